// SnsSubscriptions: confirms an endpoint's pending AWS SNS subscription when a person asks for it
// (the window's button, POST /api/endpoints/<endpoint>/confirm-subscription), never on its own:
// fetching SubscribeURL subscribes the endpoint to that topic. Main thread.
#pragma once

#include "webhook/snsclient.h"

#include <QJsonObject>
#include <QObject>

#include <functional>

class EndpointCounters;

class SnsSubscriptions : public QObject {
    Q_OBJECT
public:
    struct Result {
        // 200 confirmed; 404 no confirmation pending; 409 the pending one is for another topic (the
        // person confirms the topic they saw); 502 SNS refused it or could not be reached.
        int status = 200;
        QJsonObject json; // confirmed, topic_arn, subscription_arn; or error
    };

    explicit SnsSubscriptions(QObject *parent = nullptr);
    // topicArn: the topic the person saw and confirms. counters: the running gateway's (null once it
    // stopped), asked again when SNS has answered.
    void confirm(const std::function<EndpointCounters *()> &counters, qsizetype endpoint, const QString &topicArn,
        std::function<void(const Result &)> done);

private:
    SnsClient m_client;
};
