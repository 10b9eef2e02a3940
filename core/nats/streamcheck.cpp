// StreamCheck: one look-up of the configured stream through the JetStream API (creating it if allowed).
#include "nats/streamcheck.h"
#include "nats/natsstatus.h"

#include <nats/nats.h>

StreamFound StreamCheck::foundIn(const jsStreamInfo *info, const QList<QByteArray> &required)
{
    if (!info || !info->Config)
        return StreamFound::Unknown;
    return StreamSettings::fromConfig(*info->Config).uncovered(required).isEmpty() ? StreamFound::Usable
                                                                                   : StreamFound::Uncovered;
}

StreamCheck StreamCheck::run(jsCtx *js, const StreamSettings &wanted, const QList<QByteArray> &required, bool create)
{
    StreamCheck check;
    const QByteArray name = wanted.name.toUtf8();
    jsErrCode errorCode = static_cast<jsErrCode>(0);
    jsStreamInfo *info = nullptr;
    natsStatus s = js_GetStreamInfo(&info, js, name.constData(), nullptr, &errorCode);
    if (s == NATS_NOT_FOUND || errorCode == JSStreamNotFoundErr) {
        check.missing = true;
        if (!create) {
            check.error
                = QStringLiteral("stream %1 does not exist (not created by ackhook: [stream] create = false)")
                      .arg(wanted.name);
        } else {
            StreamConfigBuffer config(wanted);
            errorCode = static_cast<jsErrCode>(0);
            s = js_AddStream(&info, js, config.config(), nullptr, &errorCode);
            check.created = s == NATS_OK;
            if (s != NATS_OK) // e.g. more replicas than servers (that match the placement)
                check.error = QStringLiteral("cannot create stream %1 (subjects %2, %3 storage, %4 replica(s), "
                                             "placement %5): %6")
                                  .arg(wanted.name, wanted.subjects.join(QStringLiteral(", ")),
                                      StreamSettings::storageName(wanted.storage))
                                  .arg(wanted.replicas)
                                  .arg(wanted.placementText(), natsErrorText(s, nats_GetLastError(nullptr)));
            // JetStream names the tags even when only the count is short ("tags not matched"
            // for R3 on two tagged servers): say what placing the stream takes.
            if (s != NATS_OK
                && (check.error.contains(QLatin1String("no suitable peers"))
                    || check.error.contains(QLatin1String("insufficient resources"))))
                check.error += QStringLiteral(" (placing it takes %1 running server(s)%2%3 with room for "
                                              "max_bytes)")
                                   .arg(wanted.replicas)
                                   .arg(wanted.placementCluster.isEmpty()
                                           ? QString()
                                           : QStringLiteral(" in cluster ") + wanted.placementCluster,
                                       wanted.placementTags.isEmpty()
                                           ? QString()
                                           : QStringLiteral(" tagged %1")
                                                 .arg(wanted.placementTags.join(QStringLiteral(" and "))));
        }
    } else if (s != NATS_OK) {
        check.error = QStringLiteral("cannot look up stream %1: %2")
                          .arg(wanted.name, natsErrorText(s, nats_GetLastError(nullptr)));
    }
    if (s == NATS_OK && info && info->Config) {
        const StreamSettings found = StreamSettings::fromConfig(*info->Config);
        const QList<QByteArray> uncovered = found.uncovered(required);
        check.found = uncovered.isEmpty() ? StreamFound::Usable : StreamFound::Uncovered;
        if (!uncovered.isEmpty()) {
            QStringList names;
            for (const QByteArray &subject : uncovered)
                names.append(QString::fromUtf8(subject));
            check.error = QStringLiteral("stream %1 captures [%2] but not the subject %3: events to it cannot be "
                                         "stored (edit the stream's subjects or the endpoints)")
                              .arg(wanted.name, found.subjects.join(QStringLiteral(", ")),
                                  names.join(QStringLiteral(", ")));
        }
        if (!check.created)
            check.differences = wanted.differencesFrom(found);
    }
    jsStreamInfo_Destroy(info);
    if (check.missing && !check.created)
        check.found = StreamFound::Missing;
    check.ok = check.error.isEmpty();
    return check;
}
