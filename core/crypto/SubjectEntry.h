// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QList>
#include <QString>

namespace re6st::crypto {

// One attribute of an X.509 name, in order. `name` is OpenSSL's short name
// ("CN", "serialNumber", "emailAddress", "C", "L", "O", ...).
struct SubjectEntry
{
    QByteArray name;
    QString value;
    bool operator==(const SubjectEntry &) const = default;
};
using Subject = QList<SubjectEntry>;

// First value of `name` in `subject`, or a null QString.
QString subjectValue(const Subject &subject, const QByteArray &name);
// The value of `name` if `subject` has exactly one such attribute, else a null
// QString. For what identifies a node (CN, serialNumber): a name holding two
// is no one's, since readers disagree on which counts (OpenVPN takes the last
// CN, OpenSSL lookups the first).
QString subjectUniqueValue(const Subject &subject, const QByteArray &name);
// Replace every `name` attribute (removed) by one appended at the end —
// registry-protocol.md §7.5 subject order: <others…>, serialNumber, CN.
// Upstream removes only the first, so a CSR with two CNs got a certificate
// whose first CN is the requester's choice (another node's); fixed here.
void subjectReplace(Subject &subject, const QByteArray &name, const QString &value);
// True if OpenSSL knows `name` as a short or long attribute name.
bool isKnownAttribute(const QByteArray &name);
// Why `value` cannot be a `name` attribute of a certificate subject (as
// OpenSSL encodes it, detail::toX509Name: e.g. C takes exactly 2 characters,
// most others at most 64), or an empty string when it can. For re6st-conf's
// -r pairs, checked before anything is sent (audit F8).
QString subjectEntryError(const QByteArray &name, const QString &value);
// OpenSSL's short name of an attribute given by short or long name
// ("organizationName" -> "O"); unknown names are returned unchanged.
QByteArray shortAttributeName(const QByteArray &name);

} // namespace re6st::crypto
