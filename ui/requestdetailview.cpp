// RequestDetailView: the selected row of the live table, readable; resend and curl from its record.
#include "requestdetailview.h"

#include "http/curlcommand.h"
#include "outcometext.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

RequestDetailView::RequestDetailView(QWidget *parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
    , m_timeline(new QLabel(this))
    , m_headers(new QTreeWidget(this))
    , m_body(new QPlainTextEdit(this))
    , m_copyCurl(new QPushButton(tr("Copy as curl"), this))
    , m_resend(new QPushButton(tr("Resend"), this))
{
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    m_timeline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_timeline->setWordWrap(true); // a long timeline wraps between steps instead of widening the window
    m_headers->setColumnCount(2);
    m_headers->setHeaderLabels({ tr("Header"), tr("Value") });
    m_headers->setRootIsDecorated(false);
    m_headers->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_body->setReadOnly(true);
    m_body->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_body->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_copyCurl->setToolTip(tr("Copy a shell command that sends this request again (secret headers left out)"));
    m_resend->setToolTip(tr("Send this request again through the webhook listener, with the same idempotency key"));

    connect(m_copyCurl, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(QString::fromUtf8(curlCommand())); });
    connect(m_resend, &QPushButton::clicked, this, [this] {
        if (m_hasRecord)
            Q_EMIT resendRequested(m_record);
    });

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_timeline, 1);
    buttons->addWidget(m_copyCurl);
    buttons->addWidget(m_resend);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_headers);
    split->addWidget(m_body);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addLayout(buttons);
    layout->addWidget(split, 1);
    clear();
}

void RequestDetailView::clear()
{
    m_hasRecord = false;
    m_record = {};
    m_summary->setText(tr("Select a request to see its headers, body and dispatch timeline."));
    m_timeline->clear();
    m_headers->clear();
    m_body->clear();
    m_copyCurl->setEnabled(false);
    m_resend->setEnabled(false);
}

void RequestDetailView::setRecord(const RequestRecord &record)
{
    m_record = record;
    m_hasRecord = true;
    const QString when = QDateTime::fromMSecsSinceEpoch(record.receivedMs).toString(Qt::ISODateWithMs);
    QString summary = tr("<b>%1 %2</b> → <b>%3</b> · %4 · from %5 · key %6%7")
                          .arg(QString::fromLatin1(record.method), QString::fromUtf8(record.target).toHtmlEscaped(),
                              record.isWaiting() ? tr("waiting for PubAck") : OutcomeText::answered(record.status))
                          .arg(when, record.remote, record.key.toHtmlEscaped(),
                              record.keyGenerated ? tr(" (generated: no key in the request)") : QString());
    if (record.seq)
        summary += tr(" · stream seq %1%2").arg(record.seq).arg(record.duplicate ? tr(" (duplicate)") : QString());
    if (!record.reason.isEmpty())
        summary += tr(" · <b>%1</b>").arg(record.reason.toHtmlEscaped());
    m_summary->setText(summary);
    m_timeline->setText(timeline(record));

    m_headers->clear();
    QList<QTreeWidgetItem *> items;
    for (const auto &[name, value] : record.headers)
        items.append(new QTreeWidgetItem({ QString::fromLatin1(name), QString::fromLatin1(value) }));
    m_headers->addTopLevelItems(items);

    QString body = readableBody(record.body);
    if (record.bodyTruncated())
        body += tr("\n… (shown: the first %1 of %2 bytes)").arg(record.body.size()).arg(record.requestBytes);
    m_body->setPlainText(body);

    // A cut body cannot be sent again faithfully; only requests that reached the dispatcher are worth it.
    const bool resendable = !record.bodyTruncated() && !record.method.isEmpty() && record.method != "GET"
        && record.method != "HEAD" && record.method != "OPTIONS";
    m_copyCurl->setEnabled(resendable);
    m_resend->setEnabled(resendable);
    const QString why
        = record.bodyTruncated() ? tr("The body was cut for display: it cannot be sent again from here.") : QString();
    m_copyCurl->setStatusTip(why);
    m_resend->setStatusTip(why);
}

QString RequestDetailView::headersText() const
{
    QStringList lines;
    for (int i = 0; i < m_headers->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *item = m_headers->topLevelItem(i);
        lines.append(item->text(0) + QStringLiteral(": ") + item->text(1));
    }
    return lines.join(QLatin1Char('\n'));
}

QString RequestDetailView::bodyText() const
{
    return m_body->toPlainText();
}

QString RequestDetailView::timelineText() const
{
    return m_timeline->text();
}

QByteArray RequestDetailView::curlCommand() const
{
    if (!m_hasRecord)
        return {};
    return ::curlCommand(m_record.method, resendHeaders(m_record.headers, m_record.key.toLatin1()), m_record.body,
        { shellQuote(m_baseUrl + m_record.target), "-sS" });
}

QString RequestDetailView::readableBody(const QByteArray &body)
{
    if (body.isEmpty())
        return tr("(empty body)");
    QJsonParseError error;
    const QJsonDocument json = QJsonDocument::fromJson(body, &error);
    if (error.error == QJsonParseError::NoError)
        return QString::fromUtf8(json.toJson(QJsonDocument::Indented)).trimmed();
    if (isText(body))
        return QString::fromUtf8(body);
    // Hex dump: offset, 16 bytes, printable ASCII.
    QString dump;
    for (qsizetype offset = 0; offset < body.size(); offset += 16) {
        const QByteArray line = body.mid(offset, 16);
        QString hex;
        QString ascii;
        for (qsizetype i = 0; i < 16; ++i) {
            if (i < line.size()) {
                const auto byte = static_cast<unsigned char>(line[i]);
                hex += QStringLiteral("%1 ").arg(byte, 2, 16, QLatin1Char('0'));
                ascii += byte >= 0x20 && byte < 0x7f ? QLatin1Char(static_cast<char>(byte)) : QLatin1Char('.');
            } else {
                hex += QStringLiteral("   ");
            }
        }
        dump += QStringLiteral("%1  %2 %3\n").arg(offset, 8, 16, QLatin1Char('0')).arg(hex, ascii);
    }
    return dump;
}

void RequestDetailView::setQueueNote(const QString &note)
{
    if (m_hasRecord)
        m_timeline->setText(note.isEmpty() ? timeline(m_record) : timeline(m_record) + QLatin1Char(' ') + note);
}

QString RequestDetailView::timeline(const RequestRecord &record)
{
    const auto ms = [](qint64 us) { return QStringLiteral("%1 ms").arg(us / 1000.0, 0, 'f', 2); };
    if (record.isWaiting())
        return tr("received 0 ms → published %1 → waiting for PubAck…").arg(ms(record.publishedUs));
    QString text = tr("received 0 ms");
    if (record.publishedUs >= 0)
        text += tr(" → published %1").arg(ms(record.publishedUs));
    if (record.resolvedUs >= 0) {
        // 202: the spool committed it to its local file (fsync); JetStream has not confirmed it yet.
        text += record.status == 202   ? tr(" → spooled %1").arg(ms(record.resolvedUs))
            : record.status / 100 == 2 ? tr(" → acked %1").arg(ms(record.resolvedUs))
                                       : tr(" → failed (%1) %2").arg(record.reason, ms(record.resolvedUs));
    }
    // "202 Accepted" wherever it shows: the spool's answer is not the PubAck's 200.
    const QString status = record.status == 202 ? OutcomeText::answered(202) : QString::number(record.status);
    text += tr(" → answered %1 %2").arg(status, ms(record.latencyUs));
    return text;
}
