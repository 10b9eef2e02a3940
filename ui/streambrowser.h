// StreamBrowser: the window's "Stream" tab: the newest messages of the stream as a consumer will
// receive them (sequence, time, subject, Nats-Msg-Id, size), filterable by subject, one message's
// headers and body (text, or a hex dump when it is not text) below, and a way back to the request
// that stored it.
#pragma once

#include "nats/streampeek.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QStandardItemModel;
class QTableView;

class StreamBrowser : public QWidget {
    Q_OBJECT
public:
    enum Column { SeqColumn, TimeColumn, SubjectColumn, MsgIdColumn, SizeColumn, ColumnCount };

    StreamBrowser(QStringList urls, NatsAccess access, QString stream, QWidget *parent = nullptr);

    void refresh(); // reads the newest messages again (with the subject filter)
    // Shows the message at seq (reads around it when it is not among those shown).
    void showSequence(quint64 seq);
    QTableView *table() const { return m_table; }
    QString detailText() const;
    QString statusText() const;

    // The text shown for a body: itself when it is UTF-8 without control characters (but tab and
    // newlines), else a hex dump (16 bytes a line, offset, hex, printable ASCII).
    static QString bodyText(const QByteArray &body);

Q_SIGNALS:
    // The request that stored the selected message (its Nats-Msg-Id), asked for by the user.
    void requestWanted(const QByteArray &msgId);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void show(const StreamPeek::Result &result);
    void showDetail();
    bool select(quint64 seq);

    StreamPeek *m_peek;
    QLineEdit *m_filter;
    QPushButton *m_refresh;
    QPushButton *m_showRequest;
    QLabel *m_status;
    QTableView *m_table;
    QStandardItemModel *m_model;
    QPlainTextEdit *m_detail;
    QList<StreamMessage> m_messages; // what the table shows, newest first
    quint64 m_wanted = 0; // showSequence's target while its read runs
};
