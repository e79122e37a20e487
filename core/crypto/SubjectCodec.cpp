// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/SubjectCodec.h"
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

namespace re6st::crypto::detail {
namespace {

// One entry appended to `name`; false when OpenSSL refuses it (its reason is
// left in the error queue).
bool addEntry(X509_NAME *name, const SubjectEntry &entry)
{
    if (entry.name.isEmpty() || entry.name.contains('\0') || !isKnownAttribute(entry.name))
        return false;
    const QByteArray value = entry.value.toUtf8();
    if (value.size() > 0x10000)
        return false;
    return X509_NAME_add_entry_by_txt(name, entry.name.constData(), MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char *>(value.constData()), int(value.size()),
                                      -1, 0)
        == 1;
}

} // namespace

X509NamePtr toX509Name(const Subject &subject)
{
    X509NamePtr name(X509_NAME_new());
    if (!name)
        return failed(X509NamePtr());
    for (const SubjectEntry &entry : subject)
        if (!addEntry(name.get(), entry))
            return failed(X509NamePtr());
    return name;
}

} // namespace re6st::crypto::detail

namespace re6st::crypto {

QString subjectEntryError(const QByteArray &name, const QString &value)
{
    if (name.isEmpty() || name.contains('\0') || !isKnownAttribute(name))
        return QStringLiteral("unknown certificate field");
    const detail::X509NamePtr scratch(X509_NAME_new());
    ERR_clear_error();
    if (scratch && detail::addEntry(scratch.get(), {name, value}))
        return {};
    const unsigned long code = ERR_peek_last_error();
    const char *reason = code ? ERR_reason_error_string(code) : nullptr;
    ERR_clear_error();
    return reason ? QString::fromLatin1(reason) : QStringLiteral("string too long");
}

} // namespace re6st::crypto

namespace re6st::crypto::detail {

Subject fromX509Name(const X509_NAME *name)
{
    Subject subject;
    if (name == nullptr)
        return subject;
    const int count = X509_NAME_entry_count(name);
    for (int i = 0; i < count; ++i) {
        const X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT *object = X509_NAME_ENTRY_get_object(entry);
        SubjectEntry out;
        const int nid = OBJ_obj2nid(object);
        const char *shortName = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
        if (shortName != nullptr) {
            out.name = shortName;
        } else {
            char oid[128];
            const int len = OBJ_obj2txt(oid, sizeof oid, object, 1);
            out.name = len > 0 ? QByteArray(oid, qMin(len, int(sizeof oid) - 1)) : QByteArray("UNDEF");
        }
        const ASN1_STRING *data = X509_NAME_ENTRY_get_data(entry);
        unsigned char *utf8 = nullptr;
        const int len = ASN1_STRING_to_UTF8(&utf8, data);
        if (len >= 0) {
            out.value = QString::fromUtf8(reinterpret_cast<const char *>(utf8), len);
            OPENSSL_free(utf8);
        } else {
            ERR_clear_error();
            out.value = QString::fromLatin1(reinterpret_cast<const char *>(ASN1_STRING_get0_data(data)),
                                            ASN1_STRING_length(data));
        }
        subject.append(out);
    }
    return subject;
}

} // namespace re6st::crypto::detail
