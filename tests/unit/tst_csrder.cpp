// SPDX-License-Identifier: GPL-2.0-or-later
// The OpenSSL-free reading of certificate requests (CsrDer, CertificateRequest's
// fast path) against the OpenSSL path: registry-protocol.md §7.2, §14.2 step 10,
// RFC 2986. Every request the fast path accepts must answer exactly as OpenSSL
// would; everything else must fall back to OpenSSL.
#include "PemText.h"
#include "Vectors.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/CsrDer.h"
#include "core/crypto/RsaKey.h"
#include "core/crypto/SubjectEntry.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QtTest>
#include <atomic>
#include <thread>
#include <vector>

using namespace re6st;
using namespace re6st::crypto;

namespace {

// Made once with `openssl req` (OpenSSL 3.0) and a throwaway 1024-bit key / P-256 key.
const QByteArray kSha256Csr = "-----BEGIN CERTIFICATE REQUEST-----\n"
                              "MIIBfjCB6AIBADA/MRAwDgYDVQQKDAdFeGFtcGxlMQ0wCwYDVQQLDARVbml0MRww\n"
                              "GgYJKoZIhvcNAQkBFg1hQGV4YW1wbGUuY29tMIGfMA0GCSqGSIb3DQEBAQUAA4GN\n"
                              "ADCBiQKBgQC97ejyIN1rrif7gZzDss7er4QNy8ffQka/0x4RBn2+vhdUM8I2neKd\n"
                              "u+qzaJcGYs6zkqqJgDayvJKYci9GWhYr+/iCCxruM9pCex8DBrDXTPcNs1ZMYkcX\n"
                              "epJU6ZmoJEf35tlHpi2L2sTrnD2Rlmkobox7pSEWxPV/n56pOKbTsQIDAQABoAAw\n"
                              "DQYJKoZIhvcNAQELBQADgYEAncfRJRebIJSUdN0eoYO59A02LQLJH4H3BCxtXQWH\n"
                              "CHomZ+hZmHQtj6x1DdDjBjV3es5+HNznUDcCHZyi5ZOovBScu19VaOVByjDMLwBq\n"
                              "443H1okX3IKwX/Vov0plewXRvyfey08KL58am+1uqniQRIpprRCqRKseAdIyLKW7\n"
                              "Lkg=\n"
                              "-----END CERTIFICATE REQUEST-----\n";
const QByteArray kSha1Csr = "-----BEGIN CERTIFICATE REQUEST-----\n"
                            "MIIBSzCBtQIBADAMMQowCAYDVQQDDAF4MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCB\n"
                            "iQKBgQC97ejyIN1rrif7gZzDss7er4QNy8ffQka/0x4RBn2+vhdUM8I2neKdu+qz\n"
                            "aJcGYs6zkqqJgDayvJKYci9GWhYr+/iCCxruM9pCex8DBrDXTPcNs1ZMYkcXepJU\n"
                            "6ZmoJEf35tlHpi2L2sTrnD2Rlmkobox7pSEWxPV/n56pOKbTsQIDAQABoAAwDQYJ\n"
                            "KoZIhvcNAQEFBQADgYEAQ8sMX7lmEy4Dg5euDv6f1DONEiB+QUe2MVN+z8YKEc5r\n"
                            "t3wuZ03NS9MlXYUdnk57Bdc5G5D24YfHte6PYq/rQdDveVC4sQQTgk3etdNxXKWe\n"
                            "JVZYJV0ns9N/eDxDvXV3rqgUjcOOcXZZxZN0BR6PAoip0X0WKbJdpbN+G56Nb6g=\n"
                            "-----END CERTIFICATE REQUEST-----\n";
// With an extensionRequest attribute (subjectAltName): valid, not the fast path.
const QByteArray kAttributeCsr = "-----BEGIN CERTIFICATE REQUEST-----\n"
                                 "MIIBdjCB4AIBADAOMQwwCgYDVQQKDANFeHQwgZ8wDQYJKoZIhvcNAQEBBQADgY0A\n"
                                 "MIGJAoGBAL3t6PIg3WuuJ/uBnMOyzt6vhA3Lx99CRr/THhEGfb6+F1Qzwjad4p27\n"
                                 "6rNolwZizrOSqomANrK8kphyL0ZaFiv7+IILGu4z2kJ7HwMGsNdM9w2zVkxiRxd6\n"
                                 "klTpmagkR/fm2UemLYvaxOucPZGWaShujHulIRbE9X+fnqk4ptOxAgMBAAGgKTAn\n"
                                 "BgkqhkiG9w0BCQ4xGjAYMBYGA1UdEQQPMA2CC2V4YW1wbGUuY29tMA0GCSqGSIb3\n"
                                 "DQEBDQUAA4GBAKMjlN+IUPEMgJbhGPm1s+NEa+DH+hnUTOu/VNKGgkA83Ia0o5Ml\n"
                                 "niDFY5Hvka2N4OVEx6zDELirZ4DrSRO5QkZMnKGblaYxk8gD4AgBIqeQ7BA/TiSm\n"
                                 "W2KZ39oTrRoyXV8UWQZtO61HQ94Dw4wnCJEN3sebJdf2nfsLcMMCM1Kp\n"
                                 "-----END CERTIFICATE REQUEST-----\n";
// P-256 key, ecdsa-with-SHA256: valid and verifiable by OpenSSL, not RSA.
const QByteArray kEcCsr = "-----BEGIN CERTIFICATE REQUEST-----\n"
                          "MIHHMG8CAQAwDTELMAkGA1UECgwCRUMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
                          "AARs4KhNaOTVyH2g0Yi524U4EYm6NMIjEtu8+MjhkkP3XWGsRUq6+LZuaSpYHQuL\n"
                          "e0AXDn5DIPpI/WafBXquPgfaoAAwCgYIKoZIzj0EAwIDSAAwRQIgH85D3eKEiGg/\n"
                          "NqC9IAN/QL9kx+Sna0EEe7JQzqTZWbUCIQCYSFZsSE0xG/vPOCQJi8AeV/LgEvui\n"
                          "5yiRT2mBDqzZZA==\n"
                          "-----END CERTIFICATE REQUEST-----\n";

using re6st::test::pemBody;
using re6st::test::toPem;

// A line before the PEM block: OpenSSL skips it, the fast path does not take it.
QByteArray viaOpenSsl(const QByteArray &pem)
{
    return "preamble\n" + pem;
}

// DER TLV with a minimal definite length.
QByteArray tlv(quint8 tag, const QByteArray &content, bool longForm = false)
{
    QByteArray out(1, char(tag));
    const qsizetype n = content.size();
    if (n < 0x80 && !longForm) {
        out += char(n);
    } else if (n < 0x100) {
        out += char(0x81);
        out += char(n);
    } else if (n < 0x10000) {
        out += char(0x82);
        out += char(n >> 8);
        out += char(n & 0xff);
    } else {
        out += char(0x83);
        out += char(n >> 16);
        out += char((n >> 8) & 0xff);
        out += char(n & 0xff);
    }
    return out + content;
}

QByteArray positiveInteger(const QByteArray &magnitude)
{
    return tlv(0x02, (quint8(magnitude[0]) & 0x80) ? QByteArray(1, '\0') + magnitude : magnitude);
}

QByteArray pkcs1Oid(quint8 last)
{
    return tlv(0x06, QByteArray::fromHex("2a864886f70d0101") + char(last));
}

const QByteArray kNull = QByteArray::fromHex("0500");

// A request assembled from parts (RFC 2986 §4), to vary one field at a time.
struct Parts
{
    QByteArray version = tlv(0x02, QByteArray(1, '\0'));
    QByteArray subject;
    QByteArray keyAlgorithm = tlv(0x30, pkcs1Oid(1) + kNull);
    QByteArray keyBitsPrefix = QByteArray(1, '\0');
    QByteArray rsaKey;
    QByteArray attributes = tlv(0xa0, {});
    QByteArray signatureAlgorithm = tlv(0x30, pkcs1Oid(13) + kNull);
    QByteArray signaturePrefix = QByteArray(1, '\0');
    QByteArray signature;

    QByteArray keyInfo() const { return tlv(0x30, keyAlgorithm + tlv(0x03, keyBitsPrefix + rsaKey)); }
    QByteArray info() const { return tlv(0x30, version + subject + keyInfo() + attributes); }
    QByteArray der() const
    {
        return tlv(0x30, info() + signatureAlgorithm + tlv(0x03, signaturePrefix + signature));
    }

    static Parts of(const CsrDer &csr)
    {
        Parts p;
        p.subject = csr.subjectDer();
        p.rsaKey = tlv(0x30, positiveInteger(csr.modulus()) + positiveInteger(csr.exponent()));
        p.signature = csr.signature();
        return p;
    }
};

} // namespace

class TestCsrDer final : public QObject
{
    Q_OBJECT

    Certificate m_ca;
    RsaKey m_caKey;
    RsaKey m_key1024;
    QList<RsaKey> m_keys2048;

    static RsaKey loadKey(const QString &file)
    {
        const auto key = RsaKey::fromPem(test::readVector("crypto/" + file));
        return key ? *key : RsaKey();
    }

    // Reads `pem` on the fast path and through OpenSSL and checks that both
    // answer the same; returns the fast one.
    static std::optional<CertificateRequest> sameAsOpenSsl(const QByteArray &pem)
    {
        const auto fast = CertificateRequest::fromPem(pem);
        const auto slow = CertificateRequest::fromPem(viaOpenSsl(pem));
        if (!fast || !slow || !fast->isDerFastPath() || slow->isDerFastPath()) {
            qWarning("fast %d/%d slow %d/%d", bool(fast), fast && fast->isDerFastPath(), bool(slow),
                     slow && slow->isDerFastPath());
            return std::nullopt;
        }
        const RsaKey fastKey = fast->publicKey(), slowKey = slow->publicKey();
        const bool same = fast->subject() == slow->subject() && fast->keyBits() == slow->keyBits()
                          && fast->keyInfoDer() == slow->keyInfoDer()
                          && fast->verifySignature() == slow->verifySignature()
                          && fast->toPem() == slow->toPem() && !fast->isNull() && !slow->isNull()
                          && fastKey.isNull() == slowKey.isNull()
                          && (fastKey.isNull() || (fastKey.samePublicKey(slowKey) && !fastKey.hasPrivate()
                                                   && fastKey.bits() == slowKey.bits()
                                                   && fastKey.publicKeyPem() == slowKey.publicKeyPem()));
        if (!same) {
            qWarning("fast and OpenSSL paths differ: subject %d bits %d/%d spki %d verify %d/%d pem %d",
                     fast->subject() == slow->subject(), fast->keyBits(), slow->keyBits(),
                     fast->keyInfoDer() == slow->keyInfoDer(), fast->verifySignature(),
                     slow->verifySignature(), fast->toPem() == slow->toPem());
            return std::nullopt;
        }
        return fast;
    }

    // `pem` must not take the fast path; whatever OpenSSL says stands.
    static bool fallsBack(const QByteArray &pem)
    {
        const auto req = CertificateRequest::fromPem(pem);
        return !req || !req->isDerFastPath();
    }

    CertificateRequest make(const Subject &subject, const RsaKey &key)
    {
        const auto req = CertificateRequest::create(subject, key);
        return req ? *req : CertificateRequest();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const auto ca = Certificate::fromPem(test::readVector("crypto/ca.crt"));
        QVERIFY(ca);
        m_ca = *ca;
        m_caKey = loadKey("ca.key");
        QVERIFY(!m_caKey.isNull());
        const auto small = RsaKey::generate(1024);
        QVERIFY(small);
        m_key1024 = *small;
        for (const char *file : {"node-0-16.key", "node-1-16.key", "anon-1536-24.key"}) {
            m_keys2048 << loadKey(QString::fromLatin1(file));
            QVERIFY(!m_keys2048.last().isNull());
        }
    }

    // Requests as re6st-conf makes them (registry-protocol.md §14.2 step 10).
    void createdRequests_data()
    {
        QTest::addColumn<int>("keyIndex"); // -1: the 1024-bit key
        QTest::addColumn<Subject>("subject");
        QTest::newRow("1024 bits") << -1 << Subject{{"O", "Nexedi"}, {"emailAddress", "a@example.com"}};
        QTest::newRow("2048 empty subject") << 0 << Subject{};
        QTest::newRow("2048 serial") << 1 << Subject{{"serialNumber", "3"}, {"C", "FR"}};
        QTest::newRow("2048 utf8") << 2 << Subject{{"O", QStringLiteral("Société ☃")}, {"OU", "x"}};
        QTest::newRow("2048 long name") << 0
                                        << Subject{{"O", QString(64, QLatin1Char('o'))},
                                                   {"OU", QString(64, QLatin1Char('u'))},
                                                   {"L", QString(64, QLatin1Char('l'))},
                                                   {"emailAddress", QString(120, QLatin1Char('e'))}};
    }

    void createdRequests()
    {
        QFETCH(int, keyIndex);
        QFETCH(Subject, subject);
        const RsaKey key = keyIndex < 0 ? m_key1024 : m_keys2048[keyIndex];
        const CertificateRequest created = make(subject, key);
        QVERIFY(!created.isNull());
        QVERIFY(!created.isDerFastPath());
        const QByteArray pem = created.toPem();
        const auto fast = sameAsOpenSsl(pem);
        QVERIFY(fast);
        QVERIFY(fast->verifySignature());
        QCOMPARE(fast->subject(), subject);
        QCOMPARE(fast->keyBits(), key.bits());
        QCOMPARE(fast->toPem(), pem);
        QCOMPARE(fast->keyInfoDer(), pemBody(key.publicKeyPem()));
        QCOMPARE(fast->keyInfoDer(), created.keyInfoDer());
        QCOMPARE(created.keyBits(), key.bits());
        QVERIFY(fast->publicKey().samePublicKey(key));

        const auto der = CsrDer::parse(pemBody(pem));
        QVERIFY(der);
        QCOMPARE(der->digest(), CsrDer::SignatureDigest::Sha512);
        QCOMPARE(der->modulusBits(), key.bits());
        QCOMPARE(der->exponent(), QByteArray::fromHex("010001"));
        QCOMPARE(der->der(), pemBody(pem));
        QCOMPARE(Parts::of(*der).der(), pemBody(pem)); // the test's assembler matches
        QCOMPARE(CsrDer::derFromPem(pem), std::optional<QByteArray>(pemBody(pem)));

        // Other PEM layouts OpenSSL reads the same way.
        QVERIFY(sameAsOpenSsl(toPem(der->der(), "NEW CERTIFICATE REQUEST")));
        QVERIFY(sameAsOpenSsl(toPem(der->der(), "CERTIFICATE REQUEST", 64, "\r\n")));
        QVERIFY(sameAsOpenSsl(pem.chopped(1))); // no final line break
        // ... and layouts the fast path leaves to OpenSSL.
        for (const QByteArray &other : {toPem(der->der(), "CERTIFICATE REQUEST", 76), pem + "\n",
                                        pem + "trailing text\n", "\n" + pem, pem + pem,
                                        QByteArray(pem).replace("-----\n", "-----  \n")}) {
            const auto req = CertificateRequest::fromPem(other);
            QVERIFY(req);
            QVERIFY(!req->isDerFastPath());
            QCOMPARE(req->subject(), subject);
            QVERIFY(req->verifySignature());
        }

        // The registry issues from the request without touching its OpenSSL object:
        // same certificate from either path.
        const qint64 nb = 1795689000;
        const auto viaFast = Certificate::issue(m_ca, m_caKey, 77, subject, *fast, nb, nb + 86400);
        const auto viaCreated = Certificate::issue(m_ca, m_caKey, 77, subject, created, nb, nb + 86400);
        QVERIFY(viaFast && viaCreated);
        QCOMPARE(viaFast->toDer(), viaCreated->toDer());
        QVERIFY(viaFast->publicKey().samePublicKey(key));

        // handle() builds the OpenSSL object on demand; copies stay on the fast path.
        QVERIFY(fast->handle() != nullptr);
        QCOMPARE(fast->handle(), fast->handle());
        CertificateRequest copy = *fast;
        QVERIFY(copy.isDerFastPath());
        QCOMPARE(copy.toPem(), pem);
        QVERIFY(copy.handle() != nullptr && copy.handle() != fast->handle());
        CertificateRequest moved = std::move(copy);
        QVERIFY(moved.isDerFastPath() && moved.verifySignature());
        QVERIFY(copy.isNull()); // NOLINT(bugprone-use-after-move): moved-from is null
        copy = moved;
        QVERIFY(copy.verifySignature());
        copy = created;
        QVERIFY(!copy.isDerFastPath() && copy.verifySignature());
        QCOMPARE(copy.toPem(), pem);
    }

    void otherDigests()
    {
        for (const QByteArray &pem : {kSha256Csr, kSha1Csr}) {
            const auto fast = sameAsOpenSsl(pem);
            QVERIFY(fast);
            QVERIFY(fast->verifySignature());
            QCOMPARE(fast->keyBits(), 1024);
            QCOMPARE(fast->toPem(), pem);
        }
        QCOMPARE(CsrDer::parse(pemBody(kSha256Csr))->digest(), CsrDer::SignatureDigest::Sha256);
        QCOMPARE(CsrDer::parse(pemBody(kSha1Csr))->digest(), CsrDer::SignatureDigest::Sha1);
        QCOMPARE(sameAsOpenSsl(kSha256Csr)->subject(),
                 (Subject{{"O", "Example"}, {"OU", "Unit"}, {"emailAddress", "a@example.com"}}));
    }

    // Valid requests outside the fast path still work through OpenSSL.
    void fallbackRequests()
    {
        QVERIFY(!CsrDer::parse(pemBody(kAttributeCsr)));
        const auto withAttributes = CertificateRequest::fromPem(kAttributeCsr);
        QVERIFY(withAttributes && !withAttributes->isDerFastPath());
        QVERIFY(withAttributes->verifySignature());
        QCOMPARE(withAttributes->keyBits(), 1024);
        QCOMPARE(withAttributes->subject(), (Subject{{"O", "Ext"}}));

        // Not RSA: OpenSSL verifies it, but there is no RSA key to issue from.
        QVERIFY(!CsrDer::parse(pemBody(kEcCsr)));
        const auto ec = CertificateRequest::fromPem(kEcCsr);
        QVERIFY(ec && !ec->isDerFastPath());
        QVERIFY(ec->verifySignature());
        QVERIFY(ec->publicKey().isNull());
        QCOMPARE(ec->keyBits(), 0);
        QVERIFY(!ec->keyInfoDer().isEmpty());
    }

    void tampering()
    {
        const RsaKey key = m_keys2048[1];
        const QByteArray pem = make({{"O", "Nexedi"}}, key).toPem();
        QByteArray der = pemBody(pem);

        QByteArray subjectByte = der;
        const qsizetype at = subjectByte.indexOf("Nexedi");
        QVERIFY(at > 0);
        subjectByte[at] = 'M';
        const auto tampered = sameAsOpenSsl(toPem(subjectByte));
        QVERIFY(tampered);
        QVERIFY(!tampered->verifySignature());
        QCOMPARE(tampered->subject(), (Subject{{"O", "Mexedi"}}));

        for (const qsizetype pos : {der.size() - 1, der.size() - 200}) {
            QByteArray badSignature = der;
            badSignature[pos] = char(badSignature[pos] ^ 0x55);
            const auto bad = sameAsOpenSsl(toPem(badSignature));
            QVERIFY(bad);
            QVERIFY(!bad->verifySignature());
        }
        // A key byte: another (valid-looking) modulus, signature no longer matches.
        QByteArray keyByte = der;
        const qsizetype keyAt = der.indexOf(CsrDer::parse(der)->modulus().mid(100, 8));
        QVERIFY(keyAt > 0);
        keyByte[keyAt] = char(keyByte[keyAt] ^ 1);
        const auto badKey = sameAsOpenSsl(toPem(keyByte));
        QVERIFY(badKey);
        QVERIFY(!badKey->verifySignature());
        QVERIFY(!badKey->publicKey().samePublicKey(key));

        // Every truncation is refused by both readers.
        for (qsizetype n = 0; n < der.size(); ++n) {
            QVERIFY2(!CsrDer::parse(der.left(n)), qPrintable(QString::number(n)));
            QVERIFY2(!CertificateRequest::fromPem(toPem(der.left(n))), qPrintable(QString::number(n)));
        }
        // Trailing bytes: not DER; OpenSSL's PEM reader ignores them (as before).
        QVERIFY(!CsrDer::parse(der + '\0'));
        QVERIFY(fallsBack(toPem(der + '\0')));
        // Indefinite length (BER): not DER; whatever OpenSSL makes of it.
        QByteArray indefinite = der;
        QCOMPARE(quint8(indefinite[1]), quint8(0x82));
        indefinite = QByteArray::fromHex("3080") + der.mid(4) + QByteArray(2, '\0');
        QVERIFY(!CsrDer::parse(indefinite));
        QVERIFY(fallsBack(toPem(indefinite)));
    }

    // One field at a time: what the fast path takes must match OpenSSL,
    // what it refuses falls back.
    void variants()
    {
        const QByteArray der = pemBody(make({{"O", "Nexedi"}}, m_keys2048[0]).toPem());
        const auto parsed = CsrDer::parse(der);
        QVERIFY(parsed);
        const Parts base = Parts::of(*parsed);
        QCOMPARE(base.der(), der);
        const QByteArray modulus = parsed->modulus(), exponent = parsed->exponent();

        // Accepted: optional NULLs and the attributes field left out. The
        // signature covers the request info only, not its algorithm's NULL.
        QList<std::pair<Parts, bool>> accepted; // and whether it verifies
        Parts p = base;
        p.keyAlgorithm = tlv(0x30, pkcs1Oid(1));
        accepted.append({p, false});
        p = base;
        p.signatureAlgorithm = tlv(0x30, pkcs1Oid(13));
        accepted.append({p, true});
        p = base;
        p.attributes.clear();
        accepted.append({p, false});
        p = base;
        p.signature = QByteArray(); // empty signature: never verifies
        accepted.append({p, false});
        p = base;
        p.rsaKey = tlv(0x30, positiveInteger(modulus) + positiveInteger(QByteArray(1, 3)));
        accepted.append({p, false});
        p = base;
        p.signatureAlgorithm = tlv(0x30, pkcs1Oid(11) + kNull); // sha256 claimed, sha512 used
        accepted.append({p, false});
        for (const auto &[a, verifies] : accepted) {
            QVERIFY(CsrDer::parse(a.der()));
            const auto req = sameAsOpenSsl(toPem(a.der()));
            QVERIFY(req);
            QCOMPARE(req->verifySignature(), verifies);
        }
        // Signed again after the change, it verifies on both paths.
        p = base;
        p.signatureAlgorithm = tlv(0x30, pkcs1Oid(13));
        p.attributes.clear();
        const auto signature = m_keys2048[0].signSha512(p.info());
        QVERIFY(signature);
        p.signature = *signature;
        const auto resigned = sameAsOpenSsl(toPem(p.der()));
        QVERIFY(resigned);
        QVERIFY(resigned->verifySignature());

        // Refused.
        QList<Parts> refused;
        p = base;
        p.version = tlv(0x02, QByteArray(1, 1));
        refused << p;
        p = base;
        p.version = tlv(0x02, QByteArray(2, 0));
        refused << p;
        p = base;
        p.attributes = tlv(0xa0, tlv(0x30, tlv(0x06, QByteArray::fromHex("2a864886f70d01090e"))
                                               + tlv(0x31, tlv(0x30, {}))));
        refused << p;
        p = base;
        p.keyAlgorithm = tlv(0x30, pkcs1Oid(10) + kNull); // RSASSA-PSS key
        refused << p;
        p = base;
        p.keyAlgorithm = tlv(0x30, pkcs1Oid(1) + tlv(0x30, {}));
        refused << p;
        p = base;
        p.keyAlgorithm = tlv(0x30, pkcs1Oid(1) + kNull + kNull);
        refused << p;
        p = base;
        p.keyAlgorithm = tlv(0x30, tlv(0x06, QByteArray::fromHex("2a8648ce3d0201")) // id-ecPublicKey
                                       + tlv(0x06, QByteArray::fromHex("2a8648ce3d030107")));
        refused << p;
        p = base;
        p.keyBitsPrefix = QByteArray(1, 1);
        refused << p;
        p = base;
        p.rsaKey = tlv(0x30, tlv(0x02, modulus) + positiveInteger(exponent)); // negative n
        refused << p;
        p = base;
        p.rsaKey = tlv(0x30, tlv(0x02, QByteArray(2, '\0') + modulus) + positiveInteger(exponent));
        refused << p;
        p = base;
        p.rsaKey = tlv(0x30, positiveInteger(modulus) + tlv(0x02, QByteArray(1, '\0'))); // e = 0
        refused << p;
        p = base;
        p.rsaKey = tlv(0x30, positiveInteger(modulus) + positiveInteger(exponent) + positiveInteger(exponent));
        refused << p;
        p = base;
        p.rsaKey = tlv(0x30, positiveInteger(modulus) + positiveInteger(exponent)) + kNull;
        refused << p;
        p = base;
        p.signatureAlgorithm = tlv(0x30, pkcs1Oid(4) + kNull); // md5WithRSAEncryption
        refused << p;
        p = base;
        p.signatureAlgorithm = tlv(0x30, pkcs1Oid(10) + tlv(0x30, {})); // RSASSA-PSS
        refused << p;
        p = base;
        p.signatureAlgorithm = tlv(0x30, pkcs1Oid(13) + tlv(0x04, {}));
        refused << p;
        p = base;
        p.signaturePrefix = QByteArray(1, 1);
        refused << p;
        p = base;
        p.subject = tlv(0x31, base.subject.mid(2)); // Name must be a SEQUENCE
        refused << p;
        p = base;
        p.subject = tlv(0x30, base.subject.mid(2), true); // non-minimal length
        refused << p;
        for (const Parts &r : refused) {
            QVERIFY(!CsrDer::parse(r.der()));
            QVERIFY(fallsBack(toPem(r.der())));
        }
        // Non-minimal length of the outer SEQUENCE: 30 83 00 xx xx.
        QByteArray longLength = QByteArray::fromHex("308300") + der.mid(2);
        QVERIFY(!CsrDer::parse(longLength));
        QVERIFY(fallsBack(toPem(longLength)));
        // A Name CsrDer passes on but OpenSSL refuses (a SET that is not a SET OF
        // AttributeTypeAndValue): no fast path, OpenSSL refuses the request.
        p = base;
        p.subject = tlv(0x30, tlv(0x31, tlv(0x02, QByteArray(1, 1))));
        QVERIFY(CsrDer::parse(p.der()));
        QVERIFY(!CertificateRequest::fromPem(toPem(p.der())));
        // Invalid UTF-8 in a UTF8String: d2i_X509_REQ refuses it, so must we.
        p = base;
        p.subject = tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, QByteArray::fromHex("55040a"))
                                                       + tlv(0x0c, QByteArray::fromHex("c328")))));
        QVERIFY(CsrDer::parse(p.der()));
        QVERIFY(!CertificateRequest::fromPem(toPem(p.der())));
    }

    void pemLayer()
    {
        const QByteArray der = pemBody(make({}, m_key1024).toPem());
        QVERIFY(CsrDer::derFromPem(toPem(der)));
        const QList<QByteArray> refused{
            QByteArray(),
            "-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n",
            toPem(der, "CERTIFICATE"),
            toPem(der).replace("-----END CERTIFICATE REQUEST-----", "-----END NEW CERTIFICATE REQUEST-----"),
            toPem(der).left(toPem(der).size() - 10),
            toPem(der, "CERTIFICATE REQUEST", 32),
            toPem(der).replace('A', '*'),
            toPem(der).insert(40, "\n"),
            toPem(der).insert(40, " "),
            toPem(der).replace("\n-----END", "\n\n-----END"),
            toPem(der + "x"),                          // decodes, but is not DER
            toPem(der).replace("-----BEGIN", "----BEGIN"),
        };
        for (const QByteArray &pem : refused)
            QVERIFY(fallsBack(pem));
        for (qsizetype i = 0; i < 5; ++i)
            QVERIFY(!CsrDer::derFromPem(refused[i]));
        // Non-canonical base64 (non-zero pad bits) decodes in OpenSSL, not here.
        const QByteArray b64 = der.toBase64();
        if (b64.endsWith("=")) {
            QByteArray pem = toPem(der);
            const qsizetype lastChar = pem.lastIndexOf('=') - (b64.endsWith("==") ? 2 : 1);
            pem[lastChar] = char(pem[lastChar] + 1);
            QVERIFY(!CsrDer::derFromPem(pem));
        }
    }

    void garbage()
    {
        QRandomGenerator rng(12345);
        QByteArray big(1 << 20, Qt::Uninitialized);
        rng.fillRange(reinterpret_cast<quint32 *>(big.data()), big.size() / 4);
        QVERIFY(!CsrDer::parse(big));
        QVERIFY(!CertificateRequest::fromPem(toPem(big)));
        QVERIFY(!CertificateRequest::fromPem(big));
        QByteArray huge = QByteArray::fromHex("3084ffffffff") + QByteArray(64, '\0');
        QVERIFY(!CsrDer::parse(huge));
        QVERIFY(!CertificateRequest::fromPem(toPem(huge)));
        QVERIFY(!CsrDer::parse(QByteArray::fromHex("3085010000000000")));
        QByteArray nested;
        for (int i = 0; i < 20000; ++i)
            nested += QByteArray::fromHex("3080");
        QVERIFY(!CsrDer::parse(nested));
        QVERIFY(!CertificateRequest::fromPem(toPem(nested)));
        // A modulus of 64k bytes: structurally fine, refused by the key import
        // limit or verified false, never a crash.
        QByteArray mod(70000, '\x7f');
        Parts p;
        p.subject = tlv(0x30, {});
        p.rsaKey = tlv(0x30, positiveInteger(mod) + positiveInteger(QByteArray(1, 3)));
        p.signature = QByteArray(256, 'x');
        const auto req = CertificateRequest::fromPem(toPem(p.der()));
        QVERIFY(!req || !req->verifySignature());
        for (int i = 0; i < 2000; ++i) {
            QByteArray random(int(rng.bounded(600)), Qt::Uninitialized);
            for (char &c : random)
                c = char(rng.bounded(256));
            if (i % 2 == 0 && random.size() > 4) {
                random[0] = 0x30;
                random[1] = char(0x82);
            }
            if (const auto d = CsrDer::parse(random))
                QVERIFY(d->der() == random);
        }

        const CertificateRequest null;
        QVERIFY(null.isNull() && !null.isDerFastPath());
        QCOMPARE(null.keyBits(), 0);
        QVERIFY(null.keyInfoDer().isEmpty());
        QVERIFY(null.handle() == nullptr);
        QVERIFY(!null.verifySignature());
    }

    // Workers of the registry parse, verify and issue in parallel (different
    // objects), and may share one object's const accessors.
    void threads()
    {
        QList<QByteArray> pems;
        for (const RsaKey &key : m_keys2048)
            pems << make({{"O", "T"}}, key).toPem();
        const auto shared = CertificateRequest::fromPem(pems[0]);
        QVERIFY(shared && shared->isDerFastPath());
        std::atomic<int> failures{0};
        std::atomic<void *> handle{nullptr};
        std::vector<std::thread> workers;
        for (int t = 0; t < 4; ++t) {
            workers.emplace_back([&, t] {
                void *h = shared->handle();
                void *expected = nullptr;
                if (h == nullptr || (!handle.compare_exchange_strong(expected, h) && expected != h))
                    ++failures;
                for (int i = 0; i < 20; ++i) {
                    const QByteArray &pem = pems[(t + i) % pems.size()];
                    const auto req = CertificateRequest::fromPem(pem);
                    if (!req || !req->isDerFastPath() || !req->verifySignature() || req->keyBits() != 2048
                        || req->subject() != Subject{{"O", "T"}} || !shared->verifySignature())
                        ++failures;
                    if (i % 5 == 0
                        && !Certificate::issue(m_ca, m_caKey, quint64(t * 100 + i), req->subject(), *req,
                                               1795689000, 1795689000 + 86400))
                        ++failures;
                }
            });
        }
        for (std::thread &w : workers)
            w.join();
        QCOMPARE(failures.load(), 0);
    }

    // Not a test: RE6ST_CSR_TIMING=1 prints µs per fromPem + verifySignature.
    void timing()
    {
        if (!qEnvironmentVariableIsSet("RE6ST_CSR_TIMING"))
            QSKIP("set RE6ST_CSR_TIMING=1 to measure");
        const QByteArray pem = make({{"O", "Nexedi"}, {"emailAddress", "a@example.com"}}, m_keys2048[0]).toPem();
        const QByteArray slowPem = viaOpenSsl(pem);
        constexpr int kRounds = 2000;
        auto run = [&](const QByteArray &input, bool verify) {
            QElapsedTimer timer;
            timer.start();
            int ok = 0;
            for (int i = 0; i < kRounds; ++i) {
                const auto req = CertificateRequest::fromPem(input);
                ok += req && (!verify || req->verifySignature()) && req->keyBits() == 2048;
            }
            const double us = double(timer.nsecsElapsed()) / 1000.0 / kRounds;
            return ok == kRounds ? us : -1.0;
        };
        const double slowParse = run(slowPem, false), fastParse = run(pem, false);
        const double slowAll = run(slowPem, true), fastAll = run(pem, true);
        qInfo("fromPem: OpenSSL %.1f us, fast %.1f us; fromPem+verifySignature: OpenSSL %.1f us, fast %.1f us",
              slowParse, fastParse, slowAll, fastAll);
        QVERIFY(slowParse > 0 && fastParse > 0 && slowAll > 0 && fastAll > 0);
    }
};

QTEST_GUILESS_MAIN(TestCsrDer)
#include "tst_csrder.moc"
