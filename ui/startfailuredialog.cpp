#include "startfailuredialog.h"

#include <QMessageBox>

namespace StartFailure {

QString advice(const QString &error)
{
    if (error.contains(QLatin1String("is in use by another ackhook")))
        return QStringLiteral("Another ackhook already uses this data directory, without a window (headless) or on "
                              "another display. Stop it, or start this one with its own directory: "
                              "ackhook --data-dir DIR.");
    if (error.contains(QLatin1String("Address already in use")) || error.contains(QLatin1String("address is already in use"))
        || error.contains(QLatin1String("cannot listen"))) {
        return QStringLiteral("Another program holds this port. Stop it, or choose other ports: "
                              "ackhook --listen 127.0.0.1:PORT --admin-listen 127.0.0.1:PORT (0 picks a free one).");
    }
    return QStringLiteral("The log has the details: run ackhook from a terminal to see it, or see "
                          "'ackhook --help'.");
}

std::unique_ptr<QMessageBox> makeDialog(const QString &error)
{
    auto box = std::make_unique<QMessageBox>(QMessageBox::Critical, QStringLiteral("ackhook cannot start"),
        QStringLiteral("ackhook cannot start: %1").arg(error), QMessageBox::Close);
    box->setObjectName(QStringLiteral("startFailure"));
    box->setInformativeText(advice(error));
    box->setTextInteractionFlags(Qt::TextSelectableByMouse); // copy the reason into a bug report
    return box;
}

} // namespace StartFailure
