// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/FirewallParsing.h"

#include <QRegularExpression>

namespace re6st::doctor::firewall {

QString quoteArg(const QString &a)
{
    if (!a.isEmpty() && !a.contains(QRegularExpression(QStringLiteral("[^A-Za-z0-9_./:,+=@%-]")))) return a;
    QString q = a;
    q.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + q + u'\'';
}

Value addressValue(const QString &text)
{
    Value v;
    v.kind = Value::Kind::Prefix;
    const QPair<QHostAddress, int> sub = QHostAddress::parseSubnet(text);
    if (sub.first.isNull()) {
        v.kind = Value::Kind::Text;
        v.text = text;
        return v;
    }
    v.address = sub.first;
    v.length = text.contains(u'/') ? sub.second : (sub.first.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32);
    return v;
}

} // namespace re6st::doctor::firewall
