// A child process for tests that need a listener under process-wide limits: an HttpListener on a
// free loopback port answering every request 200, its port printed on stdout. Arguments:
//   --nofile N   lower the soft RLIMIT_NOFILE to N first (accept() then meets EMFILE)
//   --raise      raise the soft limit to the hard one, as ackhook does at start
#include "http/filelimit.h"
#include "http/httplistener.h"

#include <QCoreApplication>

#include <cstdio>
#include <sys/resource.h>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    if (const qsizetype at = arguments.indexOf(QStringLiteral("--nofile")); at >= 0 && at + 1 < arguments.size()) {
        rlimit limit {};
        getrlimit(RLIMIT_NOFILE, &limit);
        limit.rlim_cur = arguments.at(at + 1).toULongLong();
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            return 2;
    }
    if (arguments.contains(QStringLiteral("--raise")) && !raiseFileLimitToHard().ok)
        return 3;
    HttpListener::Options options;
    options.maxConnectionsPerAddress = 0;
    options.acceptRetry = std::chrono::milliseconds(100);
    HttpListener listener(options);
    listener.setRequestHandler(
        [](HttpRequest &&, const HttpResponder &responder) { responder.respond(HttpResponse::text(200, "OK\n")); });
    if (!listener.listen(QHostAddress::LocalHost, 0))
        return 4;
    std::printf("%u\n", listener.serverPort());
    std::fflush(stdout);
    return app.exec();
}
