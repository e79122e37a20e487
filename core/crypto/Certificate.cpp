// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/DigestLookup.h"
#include "core/crypto/OpenSslPtr.h"
#include "core/crypto/SubjectCodec.h"
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <cctype>
#include <ctime>
#include <utility>

namespace re6st::crypto {

using namespace detail;

namespace {

// X.509 caps serial numbers at 20 octets; a positive one thus has <= 159 bits.
constexpr int kMaxSerialBits = 159;

qint64 unixTime(const ASN1_TIME *time)
{
    struct tm tm = {};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1)
        return failed(qint64(0));
    return qint64(timegm(&tm));
}

bool setTime(ASN1_TIME *field, qint64 seconds)
{
    // UTCTime until 2049, GeneralizedTime after (RFC 5280), like X509_gmtime_adj.
    return ASN1_TIME_set(field, time_t(seconds)) != nullptr;
}

QByteArray bignumText(const ASN1_INTEGER *serial, bool hex)
{
    BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn)
        return failed(QByteArray());
    char *text = hex ? BN_bn2hex(bn.get()) : BN_bn2dec(bn.get());
    if (text == nullptr)
        return failed(QByteArray());
    QByteArray out(text);
    OPENSSL_free(text);
    if (!hex)
        return out;
    // BN_bn2hex pads to whole bytes ("05"); callers want "5" (§2.1 serial text).
    const qsizetype sign = out.startsWith('-') ? 1 : 0;
    qsizetype first = sign;
    while (first < out.size() - 1 && out.at(first) == '0')
        ++first;
    return out.left(sign) + out.mid(first).toLower();
}

// Parses "120010db80042" (optionally "0x"-prefixed) into a positive serial.
Asn1IntegerPtr serialFromHex(QByteArray hex)
{
    if (hex.startsWith("0x") || hex.startsWith("0X"))
        hex = hex.mid(2);
    if (hex.isEmpty() || hex.size() > 64)
        return {};
    for (char c : std::as_const(hex)) {
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return {};
    }
    BIGNUM *raw = nullptr;
    const int parsed = BN_hex2bn(&raw, hex.constData());
    BignumPtr bn(raw);
    if (parsed != int(hex.size()) || !bn)
        return failed(Asn1IntegerPtr());
    if (BN_is_zero(bn.get()) || BN_num_bits(bn.get()) > kMaxSerialBits)
        return {};
    return Asn1IntegerPtr(BN_to_ASN1_INTEGER(bn.get(), nullptr));
}

bool addExtension(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// DER of a SubjectPublicKeyInfo as it stands (a plain ASN.1 encoding of the
// algorithm and key bits: no OpenSSL 3 encoder).
QByteArray keyInfoDer(const X509_PUBKEY *key)
{
    return derOf(key, i2d_X509_PUBKEY);
}

// Puts the SubjectPublicKeyInfo `der` (SEQUENCE { AlgorithmIdentifier, BIT
// STRING }) into `target` byte for byte. X509_set_pubkey would instead run an
// OpenSSL 3 encoder and decoder per call (most of an issuance's non-RSA time);
// the target then holds no decoded key, which publicKey() decodes on demand.
bool setKeyInfo(X509_PUBKEY *target, const QByteArray &der)
{
    if (target == nullptr)
        return false;
    long contentLength = 0;
    const unsigned char *p = sequenceContent(der, &contentLength);
    if (p == nullptr)
        return false;
    const unsigned char *end = p + contentLength;
    std::unique_ptr<X509_ALGOR, OpenSslDeleter<X509_ALGOR_free>> algorithm(
        d2i_X509_ALGOR(nullptr, &p, long(end - p)));
    if (!algorithm || p >= end)
        return failed(false);
    std::unique_ptr<ASN1_BIT_STRING, OpenSslDeleter<ASN1_BIT_STRING_free>> bits(
        d2i_ASN1_BIT_STRING(nullptr, &p, long(end - p)));
    // Key bits are whole octets (unused-bits count 0) for every key type X.509 knows.
    if (!bits || p != end || ASN1_STRING_length(bits.get()) <= 0
        || ((bits->flags & ASN1_STRING_FLAG_BITS_LEFT) != 0 && (bits->flags & 0x07) != 0))
        return failed(false);
    const int length = ASN1_STRING_length(bits.get());
    auto *copy = static_cast<unsigned char *>(
        OPENSSL_memdup(ASN1_STRING_get0_data(bits.get()), size_t(length)));
    ASN1_OBJECT *object = OBJ_dup(algorithm->algorithm);
    if (copy == nullptr || object == nullptr) {
        OPENSSL_free(copy);
        ASN1_OBJECT_free(object);
        return failed(false);
    }
    // set0_param takes `object` and `copy`; X509_ALGOR_copy then sets the
    // algorithm with its parameters exactly as in `der`.
    X509_ALGOR *targetAlgorithm = nullptr;
    if (X509_PUBKEY_set0_param(target, object, V_ASN1_UNDEF, nullptr, copy, length) != 1) {
        OPENSSL_free(copy);
        ASN1_OBJECT_free(object);
        return failed(false);
    }
    if (X509_PUBKEY_get0_param(nullptr, nullptr, nullptr, &targetAlgorithm, target) != 1
        || X509_ALGOR_copy(targetAlgorithm, algorithm.get()) != 1)
        return failed(false);
    return true;
}

} // namespace

Certificate::Certificate(const Certificate &other) : m_cert(other.m_cert)
{
    if (m_cert != nullptr)
        X509_up_ref(m_cert);
}

Certificate &Certificate::operator=(const Certificate &other)
{
    if (this != &other) {
        Certificate copy(other);
        std::swap(m_cert, copy.m_cert);
    }
    return *this;
}

Certificate::Certificate(Certificate &&other) noexcept : m_cert(std::exchange(other.m_cert, nullptr))
{
}

Certificate &Certificate::operator=(Certificate &&other) noexcept
{
    std::swap(m_cert, other.m_cert);
    return *this;
}

Certificate::~Certificate()
{
    X509_free(m_cert);
}

std::optional<Certificate> Certificate::fromPem(const QByteArray &pem)
{
    if (pem.isEmpty())
        return std::nullopt;
    BioPtr bio = readBio(pem);
    if (!bio)
        return failed(std::optional<Certificate>());
    X509 *cert = PEM_read_bio_X509(bio.get(), nullptr, refusePassphrase, nullptr);
    if (cert == nullptr)
        return failed(std::optional<Certificate>());
    return Certificate(cert);
}

std::optional<Certificate> Certificate::fromDer(const QByteArray &der)
{
    if (der.isEmpty())
        return std::nullopt;
    const auto *begin = reinterpret_cast<const unsigned char *>(der.constData());
    const unsigned char *p = begin;
    X509Ptr cert(d2i_X509(nullptr, &p, long(der.size())));
    // Trailing bytes would make the fingerprint disagree with the certificate.
    if (!cert || p - begin != der.size())
        return failed(std::optional<Certificate>());
    return Certificate(cert.release());
}

std::optional<Certificate> Certificate::issue(const Certificate &ca, const RsaKey &caKey,
                                              quint64 serial, const Subject &subject,
                                              const RsaKey &publicKey, qint64 notBefore,
                                              qint64 notAfter)
{
    if (publicKey.isNull())
        return std::nullopt;
    // One encoder pass (provider key -> SubjectPublicKeyInfo DER); the
    // certificate takes these bytes as they are (see issueWithKeyInfo).
    const QByteArray spki = derOf(publicKey.handle(), i2d_PUBKEY);
    if (spki.isEmpty())
        return std::nullopt;
    return issueWithKeyInfo(ca, caKey, serial, subject, spki, notBefore, notAfter);
}

std::optional<Certificate> Certificate::issue(const Certificate &ca, const RsaKey &caKey,
                                              quint64 serial, const Subject &subject,
                                              const CertificateRequest &request, qint64 notBefore,
                                              qint64 notAfter)
{
    if (request.isNull())
        return std::nullopt;
    // The SubjectPublicKeyInfo bytes as the request carries them: no OpenSSL
    // object for a request read by the fast path (registry-protocol.md §7.2).
    return issueWithKeyInfo(ca, caKey, serial, subject, request.keyInfoDer(), notBefore, notAfter);
}

std::optional<Certificate> Certificate::issue(const Certificate &ca, const RsaKey &caKey,
                                              quint64 serial, const Subject &subject,
                                              const Certificate &keyFrom, qint64 notBefore,
                                              qint64 notAfter)
{
    if (keyFrom.isNull())
        return std::nullopt;
    return issueWithKeyInfo(ca, caKey, serial, subject,
                            keyInfoDer(X509_get_X509_PUBKEY(keyFrom.m_cert)), notBefore, notAfter);
}

std::optional<Certificate> Certificate::issueWithKeyInfo(const Certificate &ca, const RsaKey &caKey,
                                                         quint64 serial, const Subject &subject,
                                                         const QByteArray &keyInfo,
                                                         qint64 notBefore, qint64 notAfter)
{
    // registry-protocol.md §7.5.
    if (ca.isNull() || caKey.isNull() || keyInfo.isEmpty() || !caKey.hasPrivate()
        || !caKey.samePublicKey(ca.publicKey()))
        return std::nullopt;
    X509NamePtr name = toX509Name(subject);
    if (!name)
        return failed(std::optional<Certificate>());
    X509Ptr cert(X509_new());
    // No X509_set_version: the version field stays absent (v1), no extensions.
    if (!cert || ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) != 1
        || X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.m_cert)) != 1
        || !setTime(X509_getm_notBefore(cert.get()), notBefore)
        || !setTime(X509_getm_notAfter(cert.get()), notAfter)
        || X509_set_subject_name(cert.get(), name.get()) != 1
        || !setKeyInfo(X509_get_X509_PUBKEY(cert.get()), keyInfo)
        || X509_sign(cert.get(), caKey.handle(), EVP_sha512()) <= 0)
        return failed(std::optional<Certificate>());
    return Certificate(cert.release());
}

std::optional<Certificate> Certificate::selfSignedCa(const RsaKey &key, const QByteArray &serialHex,
                                                     const Subject &subject, qint64 notBefore,
                                                     qint64 notAfter)
{
    if (key.isNull() || !key.hasPrivate())
        return std::nullopt;
    Asn1IntegerPtr serial = serialFromHex(serialHex);
    X509NamePtr name = toX509Name(subject);
    EvpPkeyPtr publicKey = publicPart(key.handle());
    if (!serial || !name || !publicKey)
        return failed(std::optional<Certificate>());
    X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1
        || X509_set_serialNumber(cert.get(), serial.get()) != 1
        || X509_set_issuer_name(cert.get(), name.get()) != 1
        || X509_set_subject_name(cert.get(), name.get()) != 1
        || !setTime(X509_getm_notBefore(cert.get()), notBefore)
        || !setTime(X509_getm_notAfter(cert.get()), notAfter)
        || X509_set_pubkey(cert.get(), publicKey.get()) != 1
        // The extensions `openssl req -x509` adds by default (v3_ca).
        || !addExtension(cert.get(), NID_subject_key_identifier, "hash")
        || !addExtension(cert.get(), NID_authority_key_identifier, "keyid:always")
        || !addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE")
        || X509_sign(cert.get(), key.handle(), EVP_sha512()) <= 0)
        return failed(std::optional<Certificate>());
    return Certificate(cert.release());
}

QByteArray Certificate::toPem() const
{
    if (m_cert == nullptr)
        return {};
    BioPtr bio = writeBio();
    if (!bio || PEM_write_bio_X509(bio.get(), m_cert) != 1)
        return failed(QByteArray());
    return bioContents(bio.get());
}

QByteArray Certificate::toDer() const
{
    return derOf(m_cert, i2d_X509);
}

QByteArray Certificate::serialHex() const
{
    if (m_cert == nullptr)
        return {};
    return bignumText(X509_get0_serialNumber(m_cert), true);
}

QByteArray Certificate::serialDecimal() const
{
    if (m_cert == nullptr)
        return {};
    return bignumText(X509_get0_serialNumber(m_cert), false);
}

int Certificate::version() const
{
    return m_cert == nullptr ? 0 : int(X509_get_version(m_cert)) + 1;
}

Subject Certificate::subject() const
{
    return m_cert == nullptr ? Subject() : fromX509Name(X509_get_subject_name(m_cert));
}

Subject Certificate::issuer() const
{
    return m_cert == nullptr ? Subject() : fromX509Name(X509_get_issuer_name(m_cert));
}

qint64 Certificate::notBefore() const
{
    return m_cert == nullptr ? 0 : unixTime(X509_get0_notBefore(m_cert));
}

qint64 Certificate::notAfter() const
{
    return m_cert == nullptr ? 0 : unixTime(X509_get0_notAfter(m_cert));
}

RsaKey Certificate::publicKey() const
{
    if (m_cert == nullptr)
        return {};
    // A parsed certificate holds its decoded key; one from issue() only the
    // key bytes (setKeyInfo), decoded here on demand.
    ERR_set_mark();
    EVP_PKEY *key = X509_get_pubkey(m_cert); // new reference
    if (key == nullptr) {
        const QByteArray der = keyInfoDer(X509_get_X509_PUBKEY(m_cert));
        const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
        if (!der.isEmpty())
            key = d2i_PUBKEY(nullptr, &p, long(der.size()));
    }
    ERR_pop_to_mark();
    return adoptRsaKey(key);
}

bool Certificate::isSignedBy(const RsaKey &issuerKey) const
{
    if (m_cert == nullptr || issuerKey.isNull())
        return false;
    if (X509_verify(m_cert, issuerKey.handle()) != 1)
        return failed(false);
    return true;
}

QByteArray Certificate::signatureAlgorithm() const
{
    if (m_cert == nullptr)
        return {};
    const int nid = X509_get_signature_nid(m_cert);
    if (nid != NID_undef) {
        if (const char *name = OBJ_nid2ln(nid))
            return name;
    }
    const X509_ALGOR *alg = nullptr;
    X509_get0_signature(nullptr, &alg, m_cert);
    const ASN1_OBJECT *object = nullptr;
    X509_ALGOR_get0(&object, nullptr, nullptr, alg);
    char oid[128];
    const int len = OBJ_obj2txt(oid, sizeof oid, object, 1);
    return len > 0 ? QByteArray(oid, qMin(len, int(sizeof oid) - 1)) : QByteArray();
}

std::optional<QByteArray> Certificate::fingerprint(const QByteArray &algorithm) const
{
    // registry-protocol.md §14.2 step 3: digest of the DER encoding.
    if (m_cert == nullptr)
        return std::nullopt;
    const EvpMdPtr md = fetchDigest(algorithm);
    if (!md)
        return std::nullopt;
    return digestWith(md.get(), toDer());
}

} // namespace re6st::crypto
