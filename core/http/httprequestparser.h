// HttpRequestParser: incremental, bounded HTTP/1.1 request parser (Content-Length and chunked bodies).
#pragma once

#include "http/httprequest.h"

#include <QString>

class HttpRequestParser {
public:
    struct Limits {
        qsizetype maxRequestLine = 8 * 1024;
        qsizetype maxHeaderBytes = 64 * 1024;
        int maxHeaderCount = 100;
        qint64 maxBodyBytes = 1024 * 1024;
    };

    enum class Status {
        NeedMore, // everything in the buffer consumed, the request is not complete
        HeadersComplete, // the head is parsed and a body follows (time for "100 Continue")
        RequestComplete, // takeRequest() holds a whole request
        Error, // error() says which status to answer; the connection must close
    };

    struct Error {
        int status = 0;
        QString message;
    };

    HttpRequestParser();
    explicit HttpRequestParser(Limits limits);

    // Consumes bytes from the front of buffer. Bytes of a following (pipelined) request stay in it.
    Status parse(QByteArray &buffer);
    HttpRequest takeRequest();
    const HttpRequest &current() const { return m_request; }
    const Error &error() const { return m_error; }
    // Some bytes of a request have arrived but it is not complete.
    bool inProgress() const { return m_state != State::Idle && m_state != State::Complete; }
    void setMaxBodyBytes(qint64 bytes) { m_limits.maxBodyBytes = bytes; }

private:
    enum class State { Idle, Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Complete, Failed };

    Status fail(int status, QString message);
    Status parseHead(QByteArray &buffer);
    bool parseRequestLine(QByteArrayView line);
    Status finishHead();
    // Moves up to the remaining body bytes from buffer into the request; true once none remain.
    bool takeBodyBytes(QByteArray &buffer);
    Status parseBody(QByteArray &buffer);
    Status parseChunked(QByteArray &buffer);
    // A line (without its CRLF or LF) from the front of buffer; nullopt when no full line yet.
    static std::optional<QByteArray> takeLine(QByteArray &buffer);

    Limits m_limits;
    State m_state = State::Idle;
    HttpRequest m_request;
    Error m_error;
    qsizetype m_headScanned = 0; // bytes of the head already searched for its end
    qint64 m_remaining = 0; // body bytes (Content-Length) or chunk bytes still expected
    qsizetype m_trailerBytes = 0;
};
