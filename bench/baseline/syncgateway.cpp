// syncgateway: the benchmark's baseline, a minimal webhook gateway with one synchronous JetStream
// publish per request (thread per connection, plain sockets, cnats js_Publish). Not part of ackhook.
//   syncgateway HTTP_PORT NATS_URL [SUBJECT]
// POST any path: the body is published with Nats-Msg-Id = X-Event-Id (when present); 200 with the
// PubAck after it came, 500 when the publish failed. HTTP/1.1 keep-alive, Content-Length bodies only.
#include <nats/nats.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <strings.h>
#include <thread>

static jsCtx *js = nullptr;
static const char *subject = "ackhook.webhook";

static std::string header(const std::string &head, const char *name)
{
    const size_t len = std::strlen(name);
    for (size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
        const size_t line = at + 2;
        if (head.compare(line, 2, "\r\n") == 0 || line + len + 1 > head.size())
            break;
        if (strncasecmp(head.c_str() + line, name, len) == 0 && head[line + len] == ':') {
            size_t value = line + len + 1;
            while (value < head.size() && head[value] == ' ')
                ++value;
            return head.substr(value, head.find("\r\n", value) - value);
        }
    }
    return {};
}

static bool sendAll(int fd, const std::string &bytes)
{
    for (size_t sent = 0; sent < bytes.size();) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        sent += static_cast<size_t>(n);
    }
    return true;
}

static void serve(int fd)
{
    std::string buffer;
    char chunk[16384];
    for (;;) {
        size_t headEnd;
        while ((headEnd = buffer.find("\r\n\r\n")) == std::string::npos) {
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0)
                return ::close(fd), void();
            buffer.append(chunk, static_cast<size_t>(n));
        }
        const std::string head = buffer.substr(0, headEnd + 2);
        const size_t bodyLength = std::strtoul(header(head, "Content-Length").c_str(), nullptr, 10);
        while (buffer.size() < headEnd + 4 + bodyLength) {
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0)
                return ::close(fd), void();
            buffer.append(chunk, static_cast<size_t>(n));
        }
        const std::string id = header(head, "X-Event-Id");
        jsPubOptions options;
        jsPubOptions_Init(&options);
        if (!id.empty())
            options.MsgId = id.c_str();
        jsPubAck *ack = nullptr;
        jsErrCode code = static_cast<jsErrCode>(0);
        const natsStatus s = js_Publish(&ack, js, subject, buffer.data() + headEnd + 4, static_cast<int>(bodyLength),
            &options, &code);
        buffer.erase(0, headEnd + 4 + bodyLength);
        std::string body;
        int status = 200;
        if (s == NATS_OK) {
            body = "{\"stream\":\"" + std::string(ack->Stream) + "\",\"seq\":" + std::to_string(ack->Sequence)
                + ",\"duplicate\":" + (ack->Duplicate ? "true" : "false") + "}";
        } else {
            status = 500;
            body = std::string("{\"error\":\"") + natsStatus_GetText(s) + "\"}";
        }
        jsPubAck_Destroy(ack);
        const std::string answer = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error")
            + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"
            + body;
        if (!sendAll(fd, answer))
            return ::close(fd), void();
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s HTTP_PORT NATS_URL [SUBJECT]\n", argv[0]);
        return 2;
    }
    if (argc > 3)
        subject = argv[3];
    natsOptions *opts = nullptr;
    natsConnection *nc = nullptr;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, argv[2]);
    if (s == NATS_OK) // as ackhook: no 1 ms batching delay per publish
        s = natsOptions_SetSendAsap(opts, true);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(opts, 250);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, nullptr);
    if (s != NATS_OK) {
        std::fprintf(stderr, "NATS: %s\n", natsStatus_GetText(s));
        return 1;
    }
    // The same stream as ackhook's (EVENTS, ackhook.>, file storage, 2 min duplicate window).
    jsStreamInfo *info = nullptr;
    if (js_GetStreamInfo(&info, js, "EVENTS", nullptr, nullptr) == NATS_NOT_FOUND) {
        const char *subjects[] = { "ackhook.>" };
        jsStreamConfig config;
        jsStreamConfig_Init(&config);
        config.Name = "EVENTS";
        config.Subjects = subjects;
        config.SubjectsLen = 1;
        config.Storage = js_FileStorage;
        config.Duplicates = 120LL * 1000 * 1000 * 1000;
        js_AddStream(&info, js, &config, nullptr, nullptr);
    }
    jsStreamInfo_Destroy(info);

    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(server, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(server, 1024) != 0) {
        std::perror("listen");
        return 1;
    }
    for (;;) {
        const int fd = ::accept(server, nullptr, nullptr);
        if (fd < 0)
            continue;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::thread(serve, fd).detach();
    }
}
