// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/SubjectEntry.h"
#include <openssl/err.h>
#include <openssl/objects.h>

namespace re6st::crypto {

namespace {

int attributeNid(const QByteArray &name)
{
    if (name.isEmpty() || name.contains('\0'))
        return NID_undef;
    // A failed lookup queues a parse error; do not leave it behind.
    ERR_set_mark();
    const int nid = OBJ_txt2nid(name.constData());
    ERR_pop_to_mark();
    return nid;
}

// "CN" and "commonName" are the same attribute; unknown names compare as text.
bool sameAttribute(const QByteArray &a, const QByteArray &b)
{
    if (a == b)
        return true;
    const int nid = attributeNid(a);
    return nid != NID_undef && nid == attributeNid(b);
}

} // namespace

QString subjectValue(const Subject &subject, const QByteArray &name)
{
    for (const SubjectEntry &entry : subject) {
        if (sameAttribute(entry.name, name))
            return entry.value;
    }
    return QString();
}

QString subjectUniqueValue(const Subject &subject, const QByteArray &name)
{
    QString value;
    int count = 0;
    for (const SubjectEntry &entry : subject) {
        if (sameAttribute(entry.name, name)) {
            value = entry.value;
            ++count;
        }
    }
    return count == 1 ? value : QString();
}

void subjectReplace(Subject &subject, const QByteArray &name, const QString &value)
{
    subject.removeIf([&](const SubjectEntry &entry) { return sameAttribute(entry.name, name); });
    subject.append(SubjectEntry{name, value});
}

bool isKnownAttribute(const QByteArray &name)
{
    return attributeNid(name) != NID_undef;
}

QByteArray shortAttributeName(const QByteArray &name)
{
    const int nid = attributeNid(name);
    const char *shortName = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
    return shortName ? QByteArray(shortName) : name;
}

} // namespace re6st::crypto
