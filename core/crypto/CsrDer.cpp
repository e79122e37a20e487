// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/CsrDer.h"
#include <cstring>

namespace re6st::crypto {

namespace {

// A window [begin, end) of the input.
struct Span
{
    const unsigned char *begin = nullptr;
    const unsigned char *end = nullptr;

    qsizetype size() const { return qsizetype(end - begin); }
    bool empty() const { return begin == end; }
    QByteArray bytes() const { return QByteArray(reinterpret_cast<const char *>(begin), size()); }
    bool equals(const unsigned char *data, qsizetype length) const
    {
        return size() == length && std::memcmp(begin, data, size_t(length)) == 0;
    }
};

// One DER element (X.690 §10.1: definite, minimal length) whose identifier
// octet is `tag`, read from the front of `in`. `content` gets its contents,
// `whole` (optional) the complete TLV; `in` moves past it.
bool readElement(Span &in, unsigned char tag, Span &content, Span *whole = nullptr)
{
    const unsigned char *p = in.begin;
    if (in.end - p < 2 || *p != tag)
        return false;
    ++p;
    const unsigned char first = *p++;
    quint64 length = 0;
    if (first < 0x80) {
        length = first;
    } else {
        const int count = first & 0x7f;
        // 0x80 is the indefinite form (BER only); more than 4 octets never fits.
        if (count == 0 || count > 4 || in.end - p < count || p[0] == 0)
            return false;
        for (int i = 0; i < count; ++i)
            length = (length << 8) | p[i];
        p += count;
        if (length < 0x80) // the short form was mandatory
            return false;
    }
    if (length > quint64(in.end - p))
        return false;
    if (whole != nullptr)
        *whole = Span{in.begin, p + length};
    content = Span{p, p + length};
    in.begin = p + length;
    return true;
}

// INTEGER > 0 in minimal two's complement; its unsigned magnitude.
bool readPositiveInteger(Span &in, QByteArray &magnitude)
{
    Span c;
    if (!readElement(in, 0x02, c) || c.empty() || (c.begin[0] & 0x80) != 0)
        return false;
    if (c.begin[0] == 0) {
        // A leading zero only to clear the sign bit of the next octet;
        // "02 01 00" (zero) is not positive.
        if (c.size() < 2 || (c.begin[1] & 0x80) == 0)
            return false;
        ++c.begin;
    }
    magnitude = c.bytes();
    return true;
}

// AlgorithmIdentifier { OID, NULL or absent } (RFC 5280 §4.1.1.2, RFC 4055 §5);
// `oid` is the OBJECT IDENTIFIER contents.
bool readAlgorithm(Span &in, Span &oid)
{
    Span seq, null;
    if (!readElement(in, 0x30, seq) || !readElement(seq, 0x06, oid))
        return false;
    if (seq.empty())
        return true;
    return readElement(seq, 0x05, null) && null.empty() && seq.empty();
}

// BIT STRING with 0 unused bits; `bits` gets the octets after the count.
bool readOctetBitString(Span &in, Span &bits)
{
    Span c;
    if (!readElement(in, 0x03, c) || c.empty() || c.begin[0] != 0)
        return false;
    bits = Span{c.begin + 1, c.end};
    return true;
}

// 1.2.840.113549.1.1.x (PKCS #1, RFC 8017 Appendix C).
constexpr unsigned char kPkcs1Prefix[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01};
constexpr unsigned char kRsaEncryption = 1;

bool isPkcs1(const Span &oid, unsigned char last)
{
    return oid.size() == qsizetype(sizeof kPkcs1Prefix) + 1
           && std::memcmp(oid.begin, kPkcs1Prefix, sizeof kPkcs1Prefix) == 0
           && oid.begin[sizeof kPkcs1Prefix] == last;
}

bool signatureDigest(const Span &oid, CsrDer::SignatureDigest &digest)
{
    using D = CsrDer::SignatureDigest;
    static constexpr struct
    {
        unsigned char last;
        D digest;
    } known[] = {{5, D::Sha1}, {14, D::Sha224}, {11, D::Sha256}, {12, D::Sha384}, {13, D::Sha512}};
    for (const auto &k : known) {
        if (isPkcs1(oid, k.last)) {
            digest = k.digest;
            return true;
        }
    }
    return false;
}

bool isBase64Char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
           || c == '/' || c == '=';
}

// The next line of `text` from `at` without its "\n" / "\r\n"; `at` moves past
// the break. `terminated` says whether a break ended it.
QByteArrayView nextLine(QByteArrayView text, qsizetype &at, bool &terminated)
{
    const qsizetype nl = text.indexOf('\n', at);
    const qsizetype stop = nl < 0 ? text.size() : nl;
    QByteArrayView line = text.sliced(at, stop - at);
    terminated = nl >= 0;
    at = nl < 0 ? text.size() : nl + 1;
    if (terminated && line.endsWith('\r'))
        line.chop(1);
    return line;
}

} // namespace

int CsrDer::modulusBits() const
{
    if (m_modulus.isEmpty())
        return 0;
    int top = 0;
    for (unsigned v = static_cast<unsigned char>(m_modulus[0]); v != 0; v >>= 1)
        ++top;
    return int(m_modulus.size() - 1) * 8 + top;
}

std::optional<CsrDer> CsrDer::parse(const QByteArray &der)
{
    // RFC 2986 §4.1 / §4.2 (registry-protocol.md §7.2).
    const auto *data = reinterpret_cast<const unsigned char *>(der.constData());
    Span input{data, data + der.size()};
    Span request, info, infoWhole, signatureOid, signature;
    if (!readElement(input, 0x30, request) || !input.empty())
        return std::nullopt;
    if (!readElement(request, 0x30, info, &infoWhole) || !readAlgorithm(request, signatureOid)
        || !readOctetBitString(request, signature) || !request.empty())
        return std::nullopt;
    CsrDer out;
    if (!signatureDigest(signatureOid, out.m_digest))
        return std::nullopt;

    // CertificationRequestInfo: version 0 (v1), subject, key, attributes.
    static constexpr unsigned char kVersion0[] = {0x00};
    Span version, subject, subjectWhole, keyInfo, keyInfoWhole;
    if (!readElement(info, 0x02, version) || !version.equals(kVersion0, 1)
        || !readElement(info, 0x30, subject, &subjectWhole)
        || !readElement(info, 0x30, keyInfo, &keyInfoWhole))
        return std::nullopt;
    if (!info.empty()) {
        // pyOpenSSL / OpenSSL write "A0 00" (no attributes); RFC 2986 requires
        // the field, OpenSSL tolerates its absence. Any attribute → not ours.
        Span attributes;
        if (!readElement(info, 0xa0, attributes) || !attributes.empty() || !info.empty())
            return std::nullopt;
    }

    // SubjectPublicKeyInfo { rsaEncryption, BIT STRING RSAPublicKey } (RFC 8017 A.1.1).
    Span keyOid, keyBits, rsaKey;
    if (!readAlgorithm(keyInfo, keyOid) || !isPkcs1(keyOid, kRsaEncryption)
        || !readOctetBitString(keyInfo, keyBits) || !keyInfo.empty())
        return std::nullopt;
    if (!readElement(keyBits, 0x30, rsaKey) || !keyBits.empty()
        || !readPositiveInteger(rsaKey, out.m_modulus) || !readPositiveInteger(rsaKey, out.m_exponent)
        || !rsaKey.empty())
        return std::nullopt;

    out.m_der = der;
    out.m_requestInfo = infoWhole.bytes();
    out.m_subject = subjectWhole.bytes();
    out.m_keyInfo = keyInfoWhole.bytes();
    out.m_signature = signature.bytes();
    return out;
}

std::optional<QByteArray> CsrDer::derFromPem(const QByteArray &pem)
{
    static constexpr QByteArrayView kLabels[] = {"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"};
    const QByteArrayView text(pem);
    for (const QByteArrayView label : kLabels) {
        const QByteArray begin = "-----BEGIN " + label.toByteArray() + "-----";
        const QByteArray end = "-----END " + label.toByteArray() + "-----";
        qsizetype at = 0;
        bool terminated = false;
        if (nextLine(text, at, terminated) != begin || !terminated)
            continue;
        QByteArray base64;
        base64.reserve(pem.size());
        bool shortLineSeen = false;
        for (;;) {
            if (at >= text.size())
                return std::nullopt; // no END line
            const QByteArrayView line = nextLine(text, at, terminated);
            if (line == end) {
                if (at != text.size() || base64.isEmpty())
                    return std::nullopt; // something after END, or no data
                break;
            }
            // 64 columns as PEM writers emit them (RFC 7468 §2); only the last
            // data line may be shorter.
            if (!terminated || shortLineSeen || line.isEmpty() || line.size() > 64)
                return std::nullopt;
            for (const char c : line) {
                if (!isBase64Char(c))
                    return std::nullopt;
            }
            shortLineSeen = line.size() < 64;
            base64.append(line);
        }
        auto decoded = QByteArray::fromBase64Encoding(base64, QByteArray::AbortOnBase64DecodingErrors);
        // Canonical only: re-encoding gives the same text (padding, zero pad bits).
        if (!decoded || decoded.decoded.isEmpty() || decoded.decoded.toBase64() != base64)
            return std::nullopt;
        return std::move(decoded.decoded);
    }
    return std::nullopt;
}

} // namespace re6st::crypto
