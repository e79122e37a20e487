// SPDX-License-Identifier: GPL-2.0-or-later
// Differential: the OpenSSL-free reading of certificate requests (CsrDer and
// CertificateRequest's fast path, registry-protocol.md §7.2, RFC 2986) against
// OpenSSL's own d2i_X509_REQ / PEM_read_bio_X509_REQ. Whatever the fast path
// accepts, OpenSSL must accept too and answer the same subject, key, key DER,
// signature verdict, public exponent and PEM. Input: DER, or PEM text if it starts with "-----".
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/CsrDer.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

using namespace re6st;
using namespace re6st::crypto;

namespace {

void check(bool condition)
{
    if (!condition) __builtin_trap();
}

template<typename T, typename I2d>
QByteArray derOf(T *object, I2d i2d)
{
    unsigned char *der = nullptr;
    const int len = i2d(object, &der);
    if (len <= 0) return {};
    QByteArray out(reinterpret_cast<const char *>(der), len);
    OPENSSL_free(der);
    return out;
}

QByteArray toPem(const QByteArray &der)
{
    QByteArray pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
    const QByteArray b64 = der.toBase64();
    for (qsizetype i = 0; i < b64.size(); i += 64) pem += b64.mid(i, 64) + '\n';
    return pem + "-----END CERTIFICATE REQUEST-----\n";
}

// CsrDer alone against d2i_X509_REQ on the same bytes.
void checkDer(const QByteArray &input)
{
    const auto csr = CsrDer::parse(input);
    if (!csr) return;
    check(csr->der() == input);
    check(csr->modulusBits() > 0 && !csr->exponent().isEmpty());
    const auto *begin = reinterpret_cast<const unsigned char *>(input.constData());
    const unsigned char *p = begin;
    X509_REQ *req = d2i_X509_REQ(nullptr, &p, long(input.size()));
    const QByteArray &nameDer = csr->subjectDer();
    const auto *n = reinterpret_cast<const unsigned char *>(nameDer.constData());
    X509_NAME *name = d2i_X509_NAME(nullptr, &n, long(nameDer.size()));
    const bool nameOk = name != nullptr && n == reinterpret_cast<const unsigned char *>(nameDer.constData()) + nameDer.size();
    X509_NAME_free(name);
    // The fast path's only OpenSSL check on structure is d2i_X509_NAME of the
    // subject: with it, CsrDer's verdict must be OpenSSL's.
    check(nameOk == (req != nullptr));
    if (req != nullptr) {
        check(p == begin + input.size());
        check(X509_REQ_get_version(req) == 0);
        check(derOf(X509_REQ_get_subject_name(req), i2d_X509_NAME) == nameDer);
        check(derOf(X509_REQ_get_X509_PUBKEY(req), i2d_X509_PUBKEY) == csr->keyInfoDer());
        check(derOf(req, i2d_X509_REQ) == input); // toPem from the original DER is OpenSSL's
        check(input.indexOf(csr->requestInfo()) > 0);
        const ASN1_BIT_STRING *signature = nullptr;
        const X509_ALGOR *algorithm = nullptr;
        X509_REQ_get0_signature(req, &signature, &algorithm);
        check(QByteArray(reinterpret_cast<const char *>(ASN1_STRING_get0_data(signature)),
                         ASN1_STRING_length(signature))
              == csr->signature());
        X509_REQ_free(req);
    }
    ERR_clear_error();
}

// CertificateRequest::fromPem (fast path or not) against PEM_read_bio_X509_REQ.
void checkPem(const QByteArray &pem)
{
    const auto fast = CertificateRequest::fromPem(pem);
    X509_REQ *req = nullptr;
    if (BIO *bio = BIO_new_mem_buf(pem.constData(), int(pem.size()))) {
        // As CertificateRequest does: an encrypted PEM fails, no prompt.
        req = PEM_read_bio_X509_REQ(bio, nullptr, [](char *, int, int, void *) { return -1; }, nullptr);
        BIO_free(bio);
    }
    ERR_clear_error();
    check(bool(fast) == (req != nullptr) || pem.isEmpty());
    if (req == nullptr) return;
    const CertificateRequest slow(req); // owns req
    if (!fast || !fast->isDerFastPath()) return;
    check(fast->subject() == slow.subject());
    check(fast->keyBits() == slow.keyBits());
    check(fast->publicExponent() == slow.publicExponent()); // the registry's bound reads it (§7.2)
    check(fast->keyInfoDer() == slow.keyInfoDer());
    check(fast->toPem() == slow.toPem());
    const RsaKey fastKey = fast->publicKey(), slowKey = slow.publicKey();
    check(!fastKey.isNull() && !slowKey.isNull() && fastKey.samePublicKey(slowKey));
    check(fastKey.bits() == slowKey.bits() && fast->keyBits() == fastKey.bits());
    check(fast->verifySignature() == slow.verifySignature());
    X509_REQ *built = fast->handle();
    check(built != nullptr && built == fast->handle());
    check(derOf(built, i2d_X509_REQ) == derOf(slow.handle(), i2d_X509_REQ));
    ERR_clear_error();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    if (input.startsWith("-----")) {
        checkPem(input);
        if (const auto der = CsrDer::derFromPem(input)) checkDer(*der);
    } else {
        checkDer(input);
        checkPem(toPem(input));
    }
    return 0;
}
