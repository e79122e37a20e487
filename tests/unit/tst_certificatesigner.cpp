// SPDX-License-Identifier: GPL-2.0-or-later
// CertificateSigner and the DER writer against upstream's certificates and
// against Certificate::issue (registry-protocol.md §7.5; vectors crypto/).
#include "PemText.h"
#include "Vectors.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateSigner.h"
#include "core/crypto/DerWriter.h"
#include "core/crypto/RsaKey.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTimeZone>
#include <QtTest>
#include <atomic>
#include <limits>
#include <thread>

using namespace re6st;
using namespace re6st::crypto;

namespace {

qint64 utc(const char *text)
{
    QDateTime t = QDateTime::fromString(QString::fromLatin1(text), QStringLiteral("yyyyMMddHHmmss'Z'"));
    t.setTimeZone(QTimeZone::utc());
    return t.toSecsSinceEpoch();
}

RsaKey loadKey(const QString &file)
{
    const auto key = RsaKey::fromPem(test::readVector("crypto/" + file));
    return key ? *key : RsaKey();
}

// The SubjectPublicKeyInfo DER of a key, as a request carries it.
QByteArray keyInfoOf(const RsaKey &key)
{
    return test::pemBody(key.publicKeyPem());
}

} // namespace

class TestCertificateSigner final : public QObject
{
    Q_OBJECT

    Certificate m_ca;
    RsaKey m_caKey;
    RsaKey m_nodeKey;
    CertificateSigner m_signer;

    QByteArray viaIssue(quint64 serial, const Subject &subject, qint64 notBefore, qint64 notAfter) const
    {
        const auto cert = Certificate::issue(m_ca, m_caKey, serial, subject, m_nodeKey, notBefore, notAfter);
        return cert ? cert->toDer() : QByteArray();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("RE6ST_VECTORS"), "set RE6ST_VECTORS to the vectors directory");
        const auto ca = Certificate::fromPem(test::readVector("crypto/ca.crt"));
        QVERIFY(ca);
        m_ca = *ca;
        m_caKey = loadKey("ca.key");
        m_nodeKey = loadKey("node-1-16.key");
        QVERIFY(!m_caKey.isNull() && !m_nodeKey.isNull());
        m_signer = CertificateSigner(m_ca, m_caKey);
        QVERIFY(!m_signer.isNull());
    }

    void derWriter()
    {
        QCOMPARE(der::tlv(der::kSequence, {}).toHex(), QByteArray("3000"));
        QCOMPARE(der::tlv(der::kSequence, QByteArray(127, 'x')).left(2).toHex(), QByteArray("307f"));
        QCOMPARE(der::tlv(der::kSequence, QByteArray(128, 'x')).left(3).toHex(), QByteArray("308180"));
        QCOMPARE(der::tlv(der::kSequence, QByteArray(255, 'x')).left(3).toHex(), QByteArray("3081ff"));
        QCOMPARE(der::tlv(der::kSequence, QByteArray(256, 'x')).left(4).toHex(), QByteArray("30820100"));
        QCOMPARE(der::tlv(der::kSequence, QByteArray(65536, 'x')).left(5).toHex(), QByteArray("3083010000"));
        QCOMPARE(der::tlv(der::kSequence, QByteArray(65536, 'x')).size(), 65536 + 5);
        QCOMPARE(der::unsignedInteger(0).toHex(), QByteArray("020100"));
        QCOMPARE(der::unsignedInteger(127).toHex(), QByteArray("02017f"));
        QCOMPARE(der::unsignedInteger(128).toHex(), QByteArray("02020080"));
        QCOMPARE(der::unsignedInteger(256).toHex(), QByteArray("02020100"));
        QCOMPARE(der::unsignedInteger(std::numeric_limits<quint64>::max()).toHex(),
                 QByteArray("020900ffffffffffffffff"));
        QCOMPARE(der::bitString(QByteArray::fromHex("abcd")).toHex(), QByteArray("030300abcd"));
        QCOMPARE(*der::time(utc("19491231235959Z")), QByteArray("\x18\x0f" "19491231235959Z"));
        QCOMPARE(*der::time(utc("19500101000000Z")), QByteArray("\x17\x0d" "500101000000Z"));
        QCOMPARE(*der::time(utc("20491231235959Z")), QByteArray("\x17\x0d" "491231235959Z"));
        QCOMPARE(*der::time(utc("20500101000000Z")), QByteArray("\x18\x0f" "20500101000000Z"));
        QCOMPARE(*der::time(utc("99991231235959Z")), QByteArray("\x18\x0f" "99991231235959Z"));
        QVERIFY(!der::time(utc("99991231235959Z") + 1));
        QVERIFY(!der::time(std::numeric_limits<qint64>::max()));
    }

    // der::time against QDateTime over the years 1 to 9999 (fixed seed).
    void derTimeAgainstQDateTime()
    {
        QRandomGenerator random(12);
        const qint64 first = utc("00010101000000Z"), last = utc("99991231235959Z");
        for (int i = 0; i < 20000; ++i) {
            const qint64 t = first + qint64(random.bounded(quint64(last - first + 1)));
            const QDateTime when = QDateTime::fromSecsSinceEpoch(t, QTimeZone::utc());
            const int year = when.date().year();
            const bool utcTime = year >= 1950 && year <= 2049;
            const QByteArray text =
                when.toString(utcTime ? QStringLiteral("yyMMddHHmmss'Z'") : QStringLiteral("yyyyMMddHHmmss'Z'")).toLatin1();
            const auto encoded = der::time(t);
            QVERIFY2(encoded, qPrintable(QString::number(t)));
            QCOMPARE(*encoded, der::tlv(utcTime ? der::kUtcTime : der::kGeneralizedTime, text));
        }
    }

    // Upstream's certificates, byte for byte (deterministic PKCS#1 v1.5).
    void vectorCertificates()
    {
        const QJsonArray certs = test::vectorJson("crypto/certs.json").object()["certificates"].toArray();
        int checked = 0;
        for (const QJsonValue &v : certs) {
            const QJsonObject e = v.toObject();
            if (e["file"].toString() == QLatin1String("ca.crt")) continue;
            const QByteArray pem = test::readVector("crypto/" + e["file"].toString());
            const Subject subject{{"serialNumber", e["subject_serialNumber"].toString()},
                                  {"CN", e["cn"].toString()}};
            const QByteArray der =
                m_signer.issueDer(quint64(e["serial"].toInteger()), subject,
                                  keyInfoOf(loadKey(e["key_file"].toString())),
                                  utc(qPrintable(e["not_before"].toString())), e["not_after_unix"].toInteger());
            QCOMPARE(der.toHex(), test::pemBody(pem).toHex());
            QCOMPARE(CertificateSigner::pemOf(der), pem);
            ++checked;
        }
        QCOMPARE(checked, 7);
    }

    // Whatever Certificate::issue writes, the signer writes too.
    void sameAsIssue_data()
    {
        QTest::addColumn<quint64>("serial");
        QTest::addColumn<Subject>("subject");
        QTest::addColumn<qint64>("notBefore");
        QTest::addColumn<qint64>("notAfter");
        const qint64 nb = utc("20261126102557Z");
        QTest::newRow("serial 1") << quint64(1) << Subject{{"CN", "1/16"}} << nb << nb + 86400;
        QTest::newRow("serial 0") << quint64(0) << Subject{{"CN", "0/16"}} << nb << nb + 86400;
        QTest::newRow("serial 127") << quint64(127) << Subject{{"CN", "7/16"}} << nb << nb + 86400;
        QTest::newRow("serial 128") << quint64(128) << Subject{{"CN", "8/16"}} << nb << nb + 86400;
        QTest::newRow("serial 2^63") << (quint64(1) << 63) << Subject{{"CN", "9/16"}} << nb << nb + 86400;
        QTest::newRow("serial max") << std::numeric_limits<quint64>::max() << Subject{{"CN", "9/16"}} << nb
                                    << nb + 86400;
        QTest::newRow("string types")
            << quint64(42)
            << Subject{{"C", "FR"}, {"O", "Exämple"}, {"emailAddress", "a@b.example"}, {"serialNumber", "12"},
                       {"CN", "42/16"}}
            << nb << nb + 365 * 86400;
        QTest::newRow("no subject") << quint64(3) << Subject{} << nb << nb + 86400;
        // A Name over 256 octets: lengths in the long form.
        const QString longValue(60, QLatin1Char('o'));
        QTest::newRow("long subject") << quint64(4)
                                      << Subject{{"O", longValue}, {"OU", longValue}, {"L", longValue},
                                                 {"ST", longValue}, {"CN", "4/16"}}
                                      << nb << nb + 86400;
        QTest::newRow("1949/1950") << quint64(5) << Subject{{"CN", "5/16"}} << utc("19491231235959Z")
                                   << utc("19500101000000Z");
        QTest::newRow("2049/2050") << quint64(6) << Subject{{"CN", "6/16"}} << utc("20491231235959Z")
                                   << utc("20500101000000Z");
        QTest::newRow("9999") << quint64(7) << Subject{{"CN", "7/16"}} << nb << utc("99991231235959Z");
    }
    void sameAsIssue()
    {
        QFETCH(quint64, serial);
        QFETCH(Subject, subject);
        QFETCH(qint64, notBefore);
        QFETCH(qint64, notAfter);
        const QByteArray expected = viaIssue(serial, subject, notBefore, notAfter);
        QVERIFY(!expected.isEmpty());
        const QByteArray der = m_signer.issueDer(serial, subject, keyInfoOf(m_nodeKey), notBefore, notAfter);
        QCOMPARE(der.toHex(), expected.toHex());
        const auto cert = Certificate::fromDer(der);
        QVERIFY(cert);
        QVERIFY(cert->isSignedBy(m_caKey));
        QCOMPARE(CertificateSigner::pemOf(der), cert->toPem());
    }

    void refusesBadInput()
    {
        const qint64 nb = utc("20261126102557Z");
        const QByteArray keyInfo = keyInfoOf(m_nodeKey);
        QVERIFY(CertificateSigner().isNull());
        QVERIFY(CertificateSigner().issueDer(1, {{"CN", "1/16"}}, keyInfo, nb, nb + 1).isEmpty());
        // A key that is not the CA's, a public key, no CA: no signer.
        QVERIFY(CertificateSigner(m_ca, m_nodeKey).isNull());
        QVERIFY(CertificateSigner(m_ca, m_ca.publicKey()).isNull());
        QVERIFY(CertificateSigner(Certificate(), m_caKey).isNull());
        QVERIFY(CertificateSigner(m_ca, RsaKey()).isNull());
        // What Certificate::issue refuses, the signer refuses.
        QVERIFY(m_signer.issueDer(2, {{"nope", "x"}}, keyInfo, nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"C", "FRA"}}, keyInfo, nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"O", QString(65, QLatin1Char('o'))}}, keyInfo, nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"CN", "2/16"}}, keyInfo, nb, utc("99991231235959Z") + 1).isEmpty());
        // Key info that is not exactly one SEQUENCE.
        QVERIFY(m_signer.issueDer(2, {{"CN", "2/16"}}, {}, nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"CN", "2/16"}}, keyInfo + '\0', nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"CN", "2/16"}}, keyInfo.chopped(1), nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"CN", "2/16"}}, QByteArray("\x04\x00", 2), nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"CN", "2/16"}}, QByteArray("\x30\x00\x00", 3), nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"CN", "2/16"}}, QByteArray("\x30\x05\x00", 3), nb, nb + 1).isEmpty());
        QVERIFY(m_signer.issueDer(2, {{"CN", "2/16"}}, QByteArray("\x30\x80\x00\x00", 4), nb, nb + 1).isEmpty());
        // Still signing after the refusals.
        QVERIFY(!m_signer.issueDer(2, {{"CN", "2/16"}}, keyInfo, nb, nb + 1).isEmpty());
    }

    // Several threads at once (the registry's signing threads): every
    // certificate is the one Certificate::issue writes.
    void concurrentThreads()
    {
        const qint64 nb = utc("20261126102557Z");
        const QByteArray keyInfo = keyInfoOf(m_nodeKey);
        constexpr int kThreads = 4, kEach = 12;
        std::vector<QByteArray> issued(kThreads * kEach);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i) {
                    const int n = t * kEach + i;
                    issued[size_t(n)] = m_signer.issueDer(quint64(n + 1), {{"CN", QString::number(n)}}, keyInfo,
                                                          nb, nb + n);
                }
            });
        }
        for (auto &thread : threads) thread.join();
        for (int n = 0; n < kThreads * kEach; ++n)
            QCOMPARE(issued[size_t(n)].toHex(),
                     viaIssue(quint64(n + 1), {{"CN", QString::number(n)}}, nb, nb + n).toHex());
    }
};

QTEST_GUILESS_MAIN(TestCertificateSigner)
#include "tst_certificatesigner.moc"
