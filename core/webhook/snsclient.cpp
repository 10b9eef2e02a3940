// SNS certificates and SubscribeURLs fetched with QNetworkAccessManager (Qt's HTTP client: TLS,
// deadlines); the answers are read with QXmlStreamReader.
#include "webhook/snsclient.h"
#include "webhook/signaturetext.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QXmlStreamReader>

Q_LOGGING_CATEGORY(lcSns, "ackhook.sns")

namespace {

using SignatureText::isPrintableAscii;

constexpr const char *OverLong = "ackhookOverLong";
constexpr const char *TimedOut = "ackhookTimedOut";

// Why no HTTP answer came whole (empty: one did, whatever its status).
QString replyError(QNetworkReply *reply)
{
    if (reply->property(OverLong).toBool())
        return QStringLiteral("the answer is over %1 bytes").arg(reply->property(OverLong).toLongLong());
    if (reply->property(TimedOut).toBool())
        return QStringLiteral("no whole answer within %1 s").arg(SnsClient::TimeoutMs / 1000);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError && (status == 0 || (status >= 200 && status < 300)))
        return reply->errorString();
    return {};
}

// SNS's XML answers: the text of the first element with one of these names.
QString xmlText(const QByteArray &xml, QLatin1String name)
{
    QXmlStreamReader reader(xml);
    while (!reader.atEnd()) {
        if (reader.readNext() == QXmlStreamReader::StartElement && reader.name() == name)
            return reader.readElementText().trimmed().left(512);
    }
    return {};
}

} // namespace

SnsClient::SnsClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{
    m_network->setProxy(QNetworkProxy::NoProxy);
}

SnsClient::~SnsClient()
{
    // Replies still running die with the manager, and must not call back into a half-destroyed client.
    for (QNetworkReply *reply : m_network->findChildren<QNetworkReply *>())
        reply->disconnect(this);
    delete m_network;
}

QUrl SnsClient::fetchUrl(const QUrl &snsUrl)
{
    static const QUrl origin = [] {
        const QString text = qEnvironmentVariable("ACKHOOK_SNS_ORIGIN");
        if (text.isEmpty())
            return QUrl();
        const QUrl url(text, QUrl::StrictMode);
        if (url.scheme() != QLatin1String("http") || url.host() != QLatin1String("127.0.0.1") || url.port() <= 0) {
            qCWarning(lcSns).noquote() << QStringLiteral("ACKHOOK_SNS_ORIGIN ignored: only http://127.0.0.1:PORT (tests)");
            return QUrl();
        }
        qCWarning(lcSns).noquote()
            << QStringLiteral("ACKHOOK_SNS_ORIGIN: SNS certificates and SubscribeURLs are fetched from %1 (tests only)")
                   .arg(url.toString());
        return url;
    }();
    if (origin.isEmpty())
        return snsUrl;
    QUrl url = origin;
    url.setPath(snsUrl.path());
    url.setQuery(snsUrl.query(QUrl::FullyEncoded), QUrl::StrictMode);
    return url;
}

QNetworkReply *SnsClient::get(const QUrl &snsUrl, qsizetype maxBytes)
{
    QNetworkRequest request(fetchUrl(snsUrl));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("ackhook"));
    QNetworkReply *reply = m_network->get(request);
    // The whole exchange within TimeoutMs (a transfer timeout alone restarts with every byte).
    QTimer::singleShot(TimeoutMs, reply, [reply] {
        if (reply->isRunning()) {
            reply->setProperty(TimedOut, true);
            reply->abort(); // finished() follows
        }
    });
    connect(reply, &QNetworkReply::readyRead, reply, [reply, maxBytes] {
        if (reply->bytesAvailable() > maxBytes) {
            reply->setProperty(OverLong, maxBytes);
            reply->abort(); // finished() follows
        }
    });
    return reply;
}

SnsClient::Cached SnsClient::cached(const QUrl &certificateUrl)
{
    const auto it = m_cache.constFind(certificateUrl);
    if (it == m_cache.cend())
        return {};
    if (!it->cached.key && QDateTime::currentMSecsSinceEpoch() - it->atMs >= FailureKeptMs) {
        m_cache.erase(it); // a failure is tried again after a while
        return {};
    }
    return it->cached;
}

void SnsClient::fetchCertificate(const QUrl &certificateUrl, std::function<void()> done)
{
    Q_ASSERT(canWait());
    ++m_waitingCount;
    auto &waiting = m_waiting[certificateUrl];
    waiting.append(std::move(done));
    if (waiting.size() > 1)
        return; // its fetch runs
    QNetworkReply *reply = get(certificateUrl, SnsSigningKey::MaxPemBytes);
    connect(reply, &QNetworkReply::finished, this,
        [this, certificateUrl, reply] { certificateArrived(certificateUrl, reply); });
}

void SnsClient::certificateArrived(const QUrl &certificateUrl, QNetworkReply *reply)
{
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    Cached entry;
    if (QString error = replyError(reply); !error.isEmpty())
        entry.error = QStringLiteral("cannot fetch SNS's signing certificate %1: %2").arg(certificateUrl.toString(), error);
    else if (status != 200)
        entry.error = QStringLiteral("cannot fetch SNS's signing certificate %1: HTTP %2")
                          .arg(certificateUrl.toString())
                          .arg(status);
    else if (QString error; !(entry.key = SnsSigningKey::fromPem(reply->readAll(), &error)))
        entry.error = QStringLiteral("SNS's signing certificate %1 is unusable: %2").arg(certificateUrl.toString(), error);
    if (!entry.error.isEmpty())
        qCWarning(lcSns).noquote() << entry.error;
    store(certificateUrl, entry);
    const QList<std::function<void()>> waiting = m_waiting.take(certificateUrl);
    m_waitingCount -= waiting.size();
    for (const auto &done : waiting)
        done();
}

void SnsClient::store(const QUrl &certificateUrl, Cached entry)
{
    if (m_cache.size() >= MaxCached && !m_cache.contains(certificateUrl)) {
        // The oldest goes: SNS rotates its certificate rarely, so this only bounds a flood of URLs.
        auto oldest = m_cache.begin();
        for (auto it = m_cache.begin(); it != m_cache.end(); ++it) {
            if (it->atMs < oldest->atMs)
                oldest = it;
        }
        m_cache.erase(oldest);
    }
    m_cache.insert(certificateUrl, Entry { std::move(entry), QDateTime::currentMSecsSinceEpoch() });
}

void SnsClient::confirmSubscription(const QUrl &subscribeUrl, std::function<void(const Confirmation &)> done)
{
    if (!SnsMessage::isSnsUrl(subscribeUrl)) {
        done({ false, {}, QStringLiteral("SubscribeURL is not an https://sns.<region>.amazonaws.com/ URL") });
        return;
    }
    QNetworkReply *reply = get(subscribeUrl, MaxAnswerBytes);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        reply->deleteLater();
        Confirmation result;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        if (QString error = replyError(reply); !error.isEmpty()) {
            result.error = QStringLiteral("cannot reach SNS: %1").arg(error);
        } else if (status != 200) {
            // <ErrorResponse><Error><Code>…</Code><Message>…</Message></Error></ErrorResponse>
            const QString code = xmlText(body, QLatin1String("Code"));
            const QString message = xmlText(body, QLatin1String("Message"));
            result.error = QStringLiteral("SNS answered HTTP %1").arg(status);
            if (!code.isEmpty() && isPrintableAscii(code) && isPrintableAscii(message))
                result.error += QStringLiteral(": %1 %2").arg(code, message).trimmed();
        } else {
            result.subscriptionArn = xmlText(body, QLatin1String("SubscriptionArn"));
            result.confirmed = result.subscriptionArn.startsWith(QLatin1String("arn:")) && isPrintableAscii(result.subscriptionArn);
            if (!result.confirmed)
                result.error = QStringLiteral("SNS answered 200 without a SubscriptionArn");
        }
        done(result);
    });
}
