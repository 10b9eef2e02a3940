// SubjectRules: what a stream name, a stream subject, a subject template and a placement name may
// hold, and the stream subjects derived from the endpoints' templates; shared by the config file
// and the command line. Each check returns what is wrong, empty when the text is fine.
#pragma once

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

struct Endpoint;

namespace SubjectRules {

// A JetStream stream name: not empty, no '.', '*', '>' or spaces; the rule's words for messages.
bool isStreamName(const QString &name);
inline constexpr char StreamNameRule[] = "a name without '.', '*', '>' or spaces";
QString checkStreamName(const QString &name); // "'NAME' must be " + StreamNameRule
// A stream subject: tokens not empty, no spaces, wildcards whole tokens, '>' last.
QString checkStreamSubject(const QString &subject);
// A placement cluster or server tag: cnats puts it into the JSON request unescaped.
QString checkPlacementName(const QString &name);
// An endpoint's subject template: concrete tokens, {event} the only placeholder, at most 255 bytes.
QString checkSubjectTemplate(QByteArrayView subject);
// One wildcard per endpoint subject prefix ("github.{event}" → "github.>"), none covering another.
QStringList derivedSubjects(const QList<Endpoint> &endpoints);

} // namespace SubjectRules
