// FuzzInput: turns a fuzzer's bytes into the values a target needs (splits, headers, bodies).
#pragma once

#include "nats/outgoingevent.h"

#include <QByteArray>
#include <QList>

#include <cstddef>
#include <cstdint>

class FuzzInput {
public:
    FuzzInput(const uint8_t *data, size_t size)
        : m_bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size))
    {
    }
    const QByteArray &bytes() const { return m_bytes; }

    // The input cut at its first "\n\n" (or "\r\n\r\n"): "Name: value" lines, then a body.
    void headersAndBody(HeaderList *headers, QByteArray *body) const
    {
        qsizetype end = m_bytes.indexOf("\r\n\r\n");
        qsizetype skip = 4;
        if (end < 0) {
            end = m_bytes.indexOf("\n\n");
            skip = 2;
        }
        if (end < 0) {
            end = m_bytes.size();
            skip = 0;
        }
        for (QByteArray line : m_bytes.left(end).split('\n')) {
            line = line.trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                headers->append({ line.left(colon), line.mid(colon + 1).trimmed() });
        }
        *body = m_bytes.mid(end + skip);
    }

    // Chunk sizes for feeding a stream in pieces, taken from the first bytes (1..64 each).
    QList<qsizetype> splits(qsizetype count) const
    {
        QList<qsizetype> sizes;
        for (qsizetype i = 0; i < count && i < m_bytes.size(); ++i)
            sizes.append(1 + static_cast<unsigned char>(m_bytes[i]) % 64);
        if (sizes.isEmpty())
            sizes.append(1);
        return sizes;
    }

private:
    QByteArray m_bytes;
};

// A broken invariant is a crash the fuzzer reports with its input.
#define FUZZ_ASSERT(condition)                                                                                         \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            __builtin_trap();                                                                                          \
    } while (false)
