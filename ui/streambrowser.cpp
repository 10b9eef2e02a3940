#include "streambrowser.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStringDecoder>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace {
constexpr int ShownLimit = 200;
constexpr int MaxBodyShown = 64 * 1024; // the detail pane shows the first 64 KiB of a body
}

StreamBrowser::StreamBrowser(QStringList urls, NatsAccess access, QString stream, QWidget *parent)
    : QWidget(parent)
    , m_peek(new StreamPeek(std::move(urls), std::move(access), stream, this))
{
    setObjectName(QStringLiteral("streamBrowser"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *bar = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("streamSubjectFilter"));
    m_filter->setPlaceholderText(tr("subject filter, e.g. ackhook.github.> or ackhook.*.push"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("A NATS subject filter: * matches one token, > the rest. Empty: every subject."));
    m_refresh = new QPushButton(tr("Refresh"), this);
    m_refresh->setObjectName(QStringLiteral("streamRefresh"));
    m_showRequest = new QPushButton(tr("Show request"), this);
    m_showRequest->setObjectName(QStringLiteral("streamShowRequest"));
    m_showRequest->setToolTip(tr("Select the request that stored this message in the request table"));
    m_showRequest->setEnabled(false);
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_refresh);
    bar->addWidget(m_showRequest);
    layout->addLayout(bar);
    m_status = new QLabel(tr("Stream %1: not read yet").arg(stream), this);
    m_status->setObjectName(QStringLiteral("streamStatus"));
    layout->addWidget(m_status);

    m_model = new QStandardItemModel(0, ColumnCount, this);
    m_model->setHorizontalHeaderLabels({ tr("Seq"), tr("Stored"), tr("Subject"), tr("Nats-Msg-Id"), tr("Bytes") });
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("streamTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(MsgIdColumn, QHeaderView::Stretch);
    m_table->setWordWrap(false);
    m_detail = new QPlainTextEdit(this);
    m_detail->setObjectName(QStringLiteral("streamMessage"));
    m_detail->setReadOnly(true);
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setPlaceholderText(tr("Select a message to see its headers and body as a consumer receives them."));
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(m_refresh, &QPushButton::clicked, this, &StreamBrowser::refresh);
    connect(m_filter, &QLineEdit::returnPressed, this, &StreamBrowser::refresh);
    connect(m_peek, &StreamPeek::finished, this, &StreamBrowser::show);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &StreamBrowser::showDetail);
    connect(m_showRequest, &QPushButton::clicked, this, [this] {
        const int row = m_table->currentIndex().row();
        if (row >= 0 && row < m_messages.size())
            Q_EMIT requestWanted(m_messages.at(row).header("Nats-Msg-Id"));
    });
}

void StreamBrowser::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh(); // each look at the tab reads it again (the selected message stays selected)
}

void StreamBrowser::refresh()
{
    m_wanted = 0;
    StreamPeek::Query query;
    query.subjectFilter = m_filter->text().trimmed().toUtf8();
    query.limit = ShownLimit;
    m_status->setText(tr("Reading…"));
    m_peek->read(query);
}

void StreamBrowser::showSequence(quint64 seq)
{
    if (seq == 0 || select(seq))
        return;
    m_wanted = seq;
    m_filter->clear(); // the message may not match the filter
    StreamPeek::Query query;
    query.upToSeq = seq + ShownLimit / 2; // the message in the middle of what is shown
    query.limit = ShownLimit;
    m_status->setText(tr("Reading around sequence %1…").arg(seq));
    m_peek->read(query);
}

bool StreamBrowser::select(quint64 seq)
{
    for (int row = 0; row < m_messages.size(); ++row) {
        if (m_messages.at(row).seq == seq) {
            m_table->setCurrentIndex(m_model->index(row, SeqColumn));
            m_table->scrollTo(m_model->index(row, SeqColumn), QAbstractItemView::PositionAtCenter);
            return true;
        }
    }
    return false;
}

void StreamBrowser::show(const StreamPeek::Result &result)
{
    if (!result.error.isEmpty()) {
        m_status->setText(result.error);
        return;
    }
    const int current = m_table->currentIndex().row();
    const quint64 keep = m_wanted ? m_wanted : current >= 0 && current < m_messages.size() ? m_messages.at(current).seq : 0;
    m_messages = result.messages;
    m_model->removeRows(0, m_model->rowCount());
    for (const StreamMessage &m : std::as_const(m_messages)) {
        QList<QStandardItem *> row;
        auto *seq = new QStandardItem(QString::number(m.seq));
        seq->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        row << seq
            << new QStandardItem(QDateTime::fromMSecsSinceEpoch(m.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")))
            << new QStandardItem(QString::fromUtf8(m.subject))
            << new QStandardItem(QString::fromUtf8(m.header("Nats-Msg-Id")))
            << new QStandardItem(QString::number(m.body.size()));
        row.last()->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        row[TimeColumn]->setToolTip(QDateTime::fromMSecsSinceEpoch(m.timeMs).toString(Qt::ISODateWithMs));
        m_model->appendRow(row);
    }
    m_table->resizeColumnToContents(SeqColumn);
    m_table->resizeColumnToContents(TimeColumn);
    m_table->resizeColumnToContents(SubjectColumn);
    const QString filter = QString::fromUtf8(result.query.subjectFilter);
    if (result.lastSeq == 0) {
        m_status->setText(tr("The stream is empty"));
    } else if (m_messages.isEmpty()) {
        m_status->setText(tr("No message on %1 among sequences %2–%3 (of %4–%5)")
                              .arg(filter)
                              .arg(result.scannedDownTo)
                              .arg(result.query.upToSeq ? result.query.upToSeq : result.lastSeq)
                              .arg(result.firstSeq)
                              .arg(result.lastSeq));
    } else {
        m_status->setText(tr("%1 message(s)%2, sequences %3–%4 of %5–%6, newest first")
                              .arg(m_messages.size())
                              .arg(filter.isEmpty() ? QString() : tr(" on %1").arg(filter))
                              .arg(m_messages.last().seq)
                              .arg(m_messages.first().seq)
                              .arg(result.firstSeq)
                              .arg(result.lastSeq));
    }
    if (keep != 0 && select(keep)) {
        m_wanted = 0;
    } else if (m_wanted != 0) {
        m_status->setText(tr("Sequence %1 is no longer in the stream (it holds %2–%3)")
                              .arg(m_wanted)
                              .arg(result.firstSeq)
                              .arg(result.lastSeq));
        m_wanted = 0;
    } else if (!m_messages.isEmpty()) {
        m_table->setCurrentIndex(m_model->index(0, SeqColumn));
    }
    showDetail();
}

void StreamBrowser::showDetail()
{
    const int row = m_table->currentIndex().row();
    if (row < 0 || row >= m_messages.size()) {
        m_detail->clear();
        m_showRequest->setEnabled(false);
        return;
    }
    const StreamMessage &m = m_messages.at(row);
    QString text = tr("seq %1 · %2 · %3\n\n").arg(m.seq).arg(QString::fromUtf8(m.subject)).arg(
        QDateTime::fromMSecsSinceEpoch(m.timeMs).toString(Qt::ISODateWithMs));
    for (const auto &[name, value] : m.headers)
        text += QString::fromUtf8(name) + QStringLiteral(": ") + QString::fromUtf8(value) + QLatin1Char('\n');
    text += QLatin1Char('\n') + bodyText(m.body.left(MaxBodyShown));
    if (m.body.size() > MaxBodyShown)
        text += tr("\n… %1 more bytes").arg(m.body.size() - MaxBodyShown);
    m_detail->setPlainText(text);
    m_showRequest->setEnabled(!m.header("Nats-Msg-Id").isEmpty());
}

QString StreamBrowser::bodyText(const QByteArray &body)
{
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = utf8.decode(body);
    const bool printable = !utf8.hasError() && std::none_of(text.cbegin(), text.cend(), [](QChar c) {
        return c.category() == QChar::Other_Control && c != u'\n' && c != u'\t' && c != u'\r';
    });
    if (printable)
        return text;
    QString dump;
    for (qsizetype offset = 0; offset < body.size(); offset += 16) {
        const QByteArray line = body.mid(offset, 16);
        QString hex, ascii;
        for (char byte : line) {
            hex += QStringLiteral("%1 ").arg(quint8(byte), 2, 16, QLatin1Char('0'));
            ascii += (byte >= 0x20 && byte < 0x7f) ? QLatin1Char(byte) : QLatin1Char('.');
        }
        dump += QStringLiteral("%1  %2 %3\n").arg(offset, 8, 16, QLatin1Char('0')).arg(hex, -48).arg(ascii);
    }
    return dump;
}

QString StreamBrowser::detailText() const
{
    return m_detail->toPlainText();
}

QString StreamBrowser::statusText() const
{
    return m_status->text();
}
