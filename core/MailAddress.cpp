// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/MailAddress.h"

#include "core/TextChars.h"

namespace re6st::mail {

namespace {

QString invalid(const QString &why) { return QStringLiteral("invalid email address: ") + why; }

} // namespace

QString addressError(const QString &address)
{
    if (address.isEmpty()) return invalid(QStringLiteral("it is empty"));
    // Controls first: a line break is the dangerous case, and says so.
    for (const QChar c : address)
        if (text::isInvisible(c))
            return invalid(QStringLiteral("it contains the control character %1; give the address alone")
                               .arg(text::codePoint(c)));
    for (const QChar c : address) {
        if (c.isSpace())
            return invalid(QStringLiteral("it contains the space character %1; give the address alone")
                               .arg(text::codePoint(c)));
        if (QStringView(u"<>()[]\\,;:\"").contains(c))
            return invalid(QStringLiteral("it contains '%1'; give one plain address, name@domain").arg(c));
    }
    const qsizetype octets = address.toUtf8().size();
    if (octets > kMaxAddressOctets)
        return invalid(QStringLiteral("it is %1 octets long; at most %2 are allowed").arg(octets).arg(kMaxAddressOctets));
    const qsizetype at = address.indexOf(u'@');
    if (at <= 0 || at == address.size() - 1 || address.indexOf(u'@', at + 1) >= 0)
        return invalid(QStringLiteral("it must have the form name@domain, with one '@'"));
    const QStringView domain = QStringView(address).mid(at + 1);
    if (domain.startsWith(u'.') || domain.endsWith(u'.') || domain.contains(u".."))
        return invalid(QStringLiteral("the domain '%1' has an empty label").arg(domain));
    return {};
}

} // namespace re6st::mail
