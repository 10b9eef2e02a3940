// SignedMessage: the template of the bytes a sender signs, e.g. "{id}.{timestamp}.{body}", parsed once.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

struct SignedMessage {
    // What a placeholder stands for. Form: the body's application/x-www-form-urlencoded
    // parameters sorted by name, each name then value, decoded (Twilio's recipe).
    enum class Part { Literal, Id, Timestamp, Method, Url, Body, Form };
    struct Piece {
        Part part = Part::Literal;
        QByteArray text; // Literal only
    };
    struct Fields {
        QByteArray id;
        QByteArray timestamp; // as sent, not re-formatted: the sender signed these characters
        QByteArray method;
        QByteArray url;
        QByteArray body;
    };

    static constexpr qsizetype MaxTemplateBytes = 256;

    QByteArray text; // the template as written
    QList<Piece> pieces;

    bool uses(Part part) const;
    QByteArray render(const Fields &fields) const;

    // nullopt with *error naming the problem ("unknown placeholder {x}", "no {body}") for a bad template.
    static std::optional<SignedMessage> parse(QByteArrayView text, QString *error);
    static SignedMessage bodyOnly(); // "{body}"
    static QByteArray sortedForm(const QByteArray &body);
};
