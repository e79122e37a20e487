// SPDX-License-Identifier: GPL-2.0-or-later
// The public-exponent check on certificate requests (registry-protocol.md §7.2,
// §18.6): e odd, 3 <= e <= 2^32-1. A larger e makes verifying the request's
// self-signature (and later every use of the certificate) cost up to a
// private-key operation; e = 1 makes that self-signature forgeable.
#include "RsaExponentKeys.h"
#include "Vectors.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/RsaKey.h"
#include "core/crypto/SubjectEntry.h"

#include <QtTest>
#include <optional>

using namespace re6st;
using namespace re6st::crypto;

Q_DECLARE_METATYPE(std::optional<quint64>)

class tst_CsrExponent final : public QObject
{
    Q_OBJECT

    RsaKey m_base; // 2048 bits, e = 65537, the registry's CA key size

    // Where a row's key comes from.
    static constexpr int Vector = 0;    // the vector key (e = 65537)
    static constexpr int Generated = 1; // OpenSSL's key generation with that e
    static constexpr int Rebuilt = 2;   // the vector key's primes with that e

private Q_SLOTS:
    void initTestCase()
    {
        const auto key = RsaKey::fromPem(test::readVector(QStringLiteral("crypto/node-0-16.key")));
        QVERIFY(key);
        m_base = *key;
        QCOMPARE(m_base.bits(), 2048);
    }

    void acceptedValues_data()
    {
        QTest::addColumn<quint64>("e");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("0") << quint64(0) << false;
        QTest::newRow("1") << quint64(1) << false;
        QTest::newRow("2") << quint64(2) << false;
        QTest::newRow("3") << quint64(3) << true;
        QTest::newRow("4") << quint64(4) << false;
        QTest::newRow("17") << quint64(17) << true;
        QTest::newRow("65536") << quint64(65536) << false;
        QTest::newRow("65537") << quint64(65537) << true;
        QTest::newRow("2^32-2") << quint64(0xfffffffe) << false;
        QTest::newRow("2^32-1") << quint64(0xffffffff) << true;
        QTest::newRow("2^32") << (quint64(1) << 32) << false;
        QTest::newRow("2^32+1") << (quint64(1) << 32) + 1 << false;
        QTest::newRow("2^64-1") << ~quint64(0) << false;
    }

    void acceptedValues()
    {
        QFETCH(quint64, e);
        QFETCH(bool, accepted);
        QCOMPARE(CertificateRequest::isAcceptedPublicExponent(e), accepted);
    }

    // Requests as a requester could send them: the exponent as read from the
    // request, on the OpenSSL-free path, through OpenSSL, and from the object
    // that made the request.
    void requests_data()
    {
        QTest::addColumn<int>("source");
        QTest::addColumn<QByteArray>("exponent"); // big-endian
        QTest::addColumn<std::optional<quint64>>("value");
        QTest::addColumn<bool>("accepted");
        // Whether the request's self-signature verifies, if the key has a
        // private exponent: for a rebuilt key with no inverse of e, d = 1,
        // which only verifies with e = 1 (anybody can sign then).
        QTest::addColumn<bool>("verifies");
        const auto none = std::optional<quint64>();
        QTest::newRow("e=3") << Generated << QByteArray::fromHex("03") << std::optional<quint64>(3) << true
                             << true;
        QTest::newRow("e=17") << Generated << QByteArray::fromHex("11") << std::optional<quint64>(17) << true
                              << true;
        QTest::newRow("e=65537") << Vector << QByteArray::fromHex("010001")
                                 << std::optional<quint64>(65537) << true << true;
        QTest::newRow("e=2^32-1") << Generated << QByteArray::fromHex("ffffffff")
                                  << std::optional<quint64>(0xffffffff) << true << true;
        // d = 1: the "signature" is the padded digest, which verifies with e = 1
        // (no private key needed).
        QTest::newRow("e=1 (forgeable)") << Rebuilt << QByteArray::fromHex("01") << std::optional<quint64>(1)
                                         << false << true;
        QTest::newRow("e=2") << Rebuilt << QByteArray::fromHex("02") << std::optional<quint64>(2) << false
                             << false;
        QTest::newRow("e=65536") << Rebuilt << QByteArray::fromHex("010000")
                                 << std::optional<quint64>(65536) << false << false;
        QTest::newRow("e=2^32+1") << Rebuilt << QByteArray::fromHex("0100000001")
                                  << std::optional<quint64>(0x100000001) << false << true;
        QTest::newRow("e=2^64-1") << Rebuilt << QByteArray::fromHex("ffffffffffffffff")
                                  << std::optional<quint64>(~quint64(0)) << false << true;
        QTest::newRow("e=2^64+1") << Rebuilt << QByteArray::fromHex("010000000000000001") << none << false
                                  << true;
        // The costly one: 2047 bits, invertible, so the self-signature is valid.
        QTest::newRow("e of 2047 bits") << Rebuilt << QByteArray() << none << false << true;
    }

    void requests()
    {
        QFETCH(int, source);
        QFETCH(QByteArray, exponent);
        QFETCH(std::optional<quint64>, value);
        QFETCH(bool, accepted);
        QFETCH(bool, verifies);
        RsaKey key;
        switch (source) {
        case Vector: key = m_base; break;
        case Generated: key = test::generatedWithExponent(2048, exponent); break;
        case Rebuilt: {
            if (exponent.isEmpty()) exponent = test::invertibleExponent(m_base, 2047);
            QVERIFY(!exponent.isEmpty());
            bool invertible = false;
            key = test::withPublicExponent(m_base, exponent, &invertible);
            // e = 2^32+1 = 641 * 6700417 or 2^64-1 may share a factor with this key's lcm(p-1, q-1).
            if (verifies && !invertible && value != std::optional<quint64>(1)) {
                qInfo("no inverse of e for this key: d = 1, the signature cannot verify");
                verifies = false;
            }
            break;
        }
        }
        QVERIFY(!key.isNull());
        QCOMPARE(key.bits(), 2048);

        const auto created = CertificateRequest::create({{"O", "test"}}, key);
        QVERIFY(created);
        const QByteArray pem = created->toPem();
        const auto fast = CertificateRequest::fromPem(pem);
        const auto slow = CertificateRequest::fromPem("preamble\n" + pem); // OpenSSL reads it
        QVERIFY(fast && slow);
        QVERIFY(fast->isDerFastPath());
        QVERIFY(!slow->isDerFastPath() && !created->isDerFastPath());
        for (const CertificateRequest *req : {&*created, &*fast, &*slow}) {
            QCOMPARE(req->keyBits(), 2048);
            QCOMPARE(req->publicExponent(), value);
            QCOMPARE(req->publicExponentOk(), accepted);
            QCOMPARE(req->verifySignature(), verifies);
        }
    }

    void nullAndNotRsa()
    {
        QCOMPARE(CertificateRequest().publicExponent(), std::optional<quint64>());
        QVERIFY(!CertificateRequest().publicExponentOk());
        // P-256 request (tst_csrder's kEcCsr): valid, not RSA.
        const auto ec = CertificateRequest::fromPem(
            "-----BEGIN CERTIFICATE REQUEST-----\n"
            "MIHHMG8CAQAwDTELMAkGA1UECgwCRUMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
            "AARs4KhNaOTVyH2g0Yi524U4EYm6NMIjEtu8+MjhkkP3XWGsRUq6+LZuaSpYHQuL\n"
            "e0AXDn5DIPpI/WafBXquPgfaoAAwCgYIKoZIzj0EAwIDSAAwRQIgH85D3eKEiGg/\n"
            "NqC9IAN/QL9kx+Sna0EEe7JQzqTZWbUCIQCYSFZsSE0xG/vPOCQJi8AeV/LgEvui\n"
            "5yiRT2mBDqzZZA==\n"
            "-----END CERTIFICATE REQUEST-----\n");
        QVERIFY(ec && ec->verifySignature());
        QCOMPARE(ec->publicExponent(), std::optional<quint64>());
        QVERIFY(!ec->publicExponentOk());
    }
};

QTEST_GUILESS_MAIN(tst_CsrExponent)
#include "tst_csrexponent.moc"
