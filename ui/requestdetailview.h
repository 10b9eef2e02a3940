// RequestDetailView: one request in full — masked headers, readable body, dispatch timeline, curl.
#pragma once

#include "webhook/requestrecord.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;

class RequestDetailView : public QWidget {
    Q_OBJECT
public:
    explicit RequestDetailView(QWidget *parent = nullptr);

    // Where "copy as curl" and "resend" send the request: the webhook listener's http://host:port.
    void setBaseUrl(const QByteArray &baseUrl) { m_baseUrl = baseUrl; }
    void setRecord(const RequestRecord &record);
    // What became of it afterwards (failed-event queue, replay), appended to the timeline.
    void setQueueNote(const QString &note);
    void clear();
    bool hasRecord() const { return m_hasRecord; }
    const RequestRecord &record() const { return m_record; }

    // What the user reads, for tests.
    QString headersText() const;
    QString bodyText() const;
    QString timelineText() const;
    QPushButton *copyCurlButton() const { return m_copyCurl; }
    QPushButton *resendButton() const { return m_resend; }

    // A shell command that sends the same request again (secrets left out, same idempotency key).
    QByteArray curlCommand() const;

    // JSON pretty-printed; other UTF-8 text as is; anything else as a hex dump.
    static QString readableBody(const QByteArray &body);
    static QString timeline(const RequestRecord &record);

Q_SIGNALS:
    void resendRequested(const RequestRecord &record);

private:
    RequestRecord m_record;
    bool m_hasRecord = false;
    QByteArray m_baseUrl = "http://127.0.0.1:12000";
    QLabel *m_summary;
    QLabel *m_timeline;
    QTreeWidget *m_headers;
    QPlainTextEdit *m_body;
    QPushButton *m_copyCurl;
    QPushButton *m_resend;
};
