// Parsing and rendering of signed-message templates.
#include "webhook/signedmessage.h"

#include <algorithm>

namespace {

struct Name {
    const char *text;
    SignedMessage::Part part;
};
constexpr Name Names[] = {
    { "id", SignedMessage::Part::Id },
    { "timestamp", SignedMessage::Part::Timestamp },
    { "method", SignedMessage::Part::Method },
    { "url", SignedMessage::Part::Url },
    { "body", SignedMessage::Part::Body },
    { "form", SignedMessage::Part::Form },
};

} // namespace

bool SignedMessage::uses(Part part) const
{
    return std::any_of(pieces.begin(), pieces.end(), [part](const Piece &piece) { return piece.part == part; });
}

std::optional<SignedMessage> SignedMessage::parse(QByteArrayView text, QString *error)
{
    QString ignored;
    if (!error)
        error = &ignored;
    if (text.isEmpty()) {
        *error = QStringLiteral("must not be empty (e.g. \"{timestamp}.{body}\")");
        return std::nullopt;
    }
    if (text.size() > MaxTemplateBytes) {
        *error = QStringLiteral("longer than %1 bytes").arg(MaxTemplateBytes);
        return std::nullopt;
    }
    SignedMessage result;
    result.text = text.toByteArray();
    QByteArray literal;
    for (qsizetype i = 0; i < text.size();) {
        const char c = text.at(i);
        if (c == '}') {
            *error = QStringLiteral("'}' without '{' at byte %1").arg(i + 1);
            return std::nullopt;
        }
        if (c != '{') {
            const unsigned char byte = static_cast<unsigned char>(c);
            if (byte < 0x20 || byte >= 0x7f) {
                // Printable ASCII only: a message is echoed in --check-config and the README.
                *error = QStringLiteral("byte %1 is not printable ASCII").arg(i + 1);
                return std::nullopt;
            }
            literal += c;
            ++i;
            continue;
        }
        const qsizetype close = text.indexOf('}', i);
        if (close < 0) {
            *error = QStringLiteral("'{' at byte %1 is never closed").arg(i + 1);
            return std::nullopt;
        }
        const QByteArrayView name = text.sliced(i + 1, close - i - 1);
        const Name *found = nullptr;
        for (const Name &candidate : Names) {
            if (name == candidate.text)
                found = &candidate;
        }
        if (!found) {
            *error
                = QStringLiteral("unknown placeholder {%1} (known: {id}, {timestamp}, {method}, {url}, {body}, {form})")
                      .arg(QString::fromLatin1(name.first(std::min<qsizetype>(name.size(), 32))));
            return std::nullopt;
        }
        if (!literal.isEmpty())
            result.pieces.append({ Part::Literal, std::exchange(literal, {}) });
        result.pieces.append({ found->part, {} });
        i = close + 1;
    }
    if (!literal.isEmpty())
        result.pieces.append({ Part::Literal, literal });
    // A signature that leaves the body out would let anyone change it.
    if (!result.uses(Part::Body) && !result.uses(Part::Form)) {
        *error = QStringLiteral("'%1' does not sign the body (add {body} or {form})").arg(QString::fromLatin1(text));
        return std::nullopt;
    }
    return result;
}

SignedMessage SignedMessage::bodyOnly()
{
    SignedMessage result;
    result.text = "{body}";
    result.pieces.append({ Part::Body, {} });
    return result;
}

QByteArray SignedMessage::sortedForm(const QByteArray &body)
{
    QList<std::pair<QByteArray, QByteArray>> parameters;
    for (const QByteArray &pair : body.split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype equals = pair.indexOf('=');
        const QByteArray name = equals < 0 ? pair : pair.first(equals);
        const QByteArray value = equals < 0 ? QByteArray() : pair.sliced(equals + 1);
        const auto decode = [](QByteArray text) { return QByteArray::fromPercentEncoding(text.replace('+', ' ')); };
        parameters.append({ decode(name), decode(value) });
    }
    std::stable_sort(
        parameters.begin(), parameters.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray result;
    for (const auto &[name, value] : parameters)
        result += name + value;
    return result;
}

QByteArray SignedMessage::render(const Fields &fields) const
{
    QByteArray result;
    for (const Piece &piece : pieces) {
        switch (piece.part) {
        case Part::Literal:
            result += piece.text;
            break;
        case Part::Id:
            result += fields.id;
            break;
        case Part::Timestamp:
            result += fields.timestamp;
            break;
        case Part::Method:
            result += fields.method;
            break;
        case Part::Url:
            result += fields.url;
            break;
        case Part::Body:
            result += fields.body;
            break;
        case Part::Form:
            result += sortedForm(fields.body);
            break;
        }
    }
    return result;
}
