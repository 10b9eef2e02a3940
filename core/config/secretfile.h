// SecretFile: the one reader of a file that holds a secret — a webhook's secret_file, the admin
// token file, NATS password, token, creds and NKey seed files — with the same checks for all.
//
// Rules: a regular file only (a FIFO would block the start, a device never end: refused before it
// is opened, named with what it is); at most MaxBytes (a secret is one line, a creds file a few
// KiB: anything bigger is the wrong file); surrounding white space, the trailing newline above all,
// is not part of the secret; nothing but white space counts as empty. A file its group or other
// users can read gets a warning (the caller logs it once). No message ever holds the file's content.
#pragma once

#include <QByteArray>
#include <QString>

class SecretFile {
public:
    static constexpr qint64 MaxBytes = 64 * 1024;

    enum class Problem {
        None,
        Missing, // no such file (or a directory on its path is missing)
        NotRegular, // a FIFO, a directory, a device or a socket
        Unreadable, // there, but open() or read() failed (permissions, I/O)
        TooLarge, // over MaxBytes
        Empty, // nothing but white space
    };

    static SecretFile read(const QString &path);

    bool ok() const { return m_problem == Problem::None; }
    Problem problem() const { return m_problem; }
    const QString &path() const { return m_path; }
    // The secret, trimmed; empty unless ok().
    const QByteArray &secret() const { return m_secret; }
    // The problem as a sentence naming the file: "cannot read PATH: No such file or directory",
    // "PATH is a FIFO, not a regular file", "PATH is larger than 64 KiB (…)", "PATH is empty".
    // Empty when ok(). Callers prefix their flag or key.
    QString error() const;
    // The problem without the file's name, for callers that write "WHAT PATH: REASON":
    // "no such file", "a FIFO, not a regular file", "cannot read: Permission denied", "empty", …
    QString reason() const;
    // Set when ok() and the group or other users can read the file: "PATH can be read by its group
    // (mode 0640): chmod 600 it". Empty otherwise.
    const QString &warning() const { return m_warning; }

private:
    QString m_path;
    Problem m_problem = Problem::None;
    QString m_detail; // what the file is (NotRegular) or the system's error text (Missing, Unreadable)
    QByteArray m_secret;
    QString m_warning;
};
