// SPDX-License-Identifier: GPL-2.0-or-later
// core/crypto against upstream-produced certificates, keys and signatures
// (registry-protocol.md §3, §3.2, §7.5, §2.1, §14.2; vectors crypto/, registry-http/).
#include "PemText.h"
#include "Vectors.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/Digest.h"
#include "core/crypto/RsaKey.h"
#include "core/crypto/SubjectEntry.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimeZone>
#include <QtTest>

using namespace re6st;
using namespace re6st::crypto;

namespace {

const QByteArray kCaSerialHex = "120010db80042";
// DER of the sha512WithRSAEncryption AlgorithmIdentifier OID (1.2.840.113549.1.1.13).
const QByteArray kSha512WithRsaOid = QByteArray::fromHex("06092a864886f70d01010d");

Subject caSubject()
{
    return {{"CN", "re6st.example.com"}, {"emailAddress", "re6st@example.com"}};
}

qint64 asn1ToUnix(const QString &generalizedTime)
{
    QDateTime t = QDateTime::fromString(generalizedTime, QStringLiteral("yyyyMMddHHmmss'Z'"));
    t.setTimeZone(QTimeZone::utc());
    return t.toSecsSinceEpoch();
}

using re6st::test::pemBody;
using re6st::test::toPem;

} // namespace

class TestCrypto final : public QObject
{
    Q_OBJECT

    Certificate m_ca;
    RsaKey m_caKey;
    QJsonArray m_certs;

    QJsonObject certEntry(const QString &file) const
    {
        for (const QJsonValue &v : m_certs) {
            if (v.toObject()["file"].toString() == file)
                return v.toObject();
        }
        return {};
    }

    static RsaKey loadKey(const QString &file)
    {
        const auto key = RsaKey::fromPem(test::readVector("crypto/" + file));
        return key ? *key : RsaKey();
    }

    static Certificate loadCert(const QString &file)
    {
        const auto cert = Certificate::fromPem(test::readVector("crypto/" + file));
        return cert ? *cert : Certificate();
    }

    void addCertRows(bool withCa)
    {
        QTest::addColumn<QString>("file");
        for (const QJsonValue &v : m_certs) {
            const QString file = v.toObject()["file"].toString();
            if (withCa || file != QLatin1String("ca.crt"))
                QTest::newRow(qPrintable(file)) << file;
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("RE6ST_VECTORS"), "set RE6ST_VECTORS to the vectors directory");
        m_certs = test::vectorJson("crypto/certs.json").object()["certificates"].toArray();
        QCOMPARE(m_certs.size(), 8);
        m_ca = loadCert("ca.crt");
        m_caKey = loadKey("ca.key");
        QVERIFY(!m_ca.isNull());
        QVERIFY(!m_caKey.isNull());
    }

    void vectorCertificates_data() { addCertRows(true); }
    void vectorCertificates()
    {
        QFETCH(QString, file);
        const QJsonObject e = certEntry(file);
        const Certificate cert = loadCert(file);
        const RsaKey key = loadKey(e["key_file"].toString());
        QVERIFY(!cert.isNull());
        QVERIFY(!key.isNull());
        const bool isCa = file == QLatin1String("ca.crt");

        if (isCa) {
            QCOMPARE(cert.serialHex(), kCaSerialHex);
            QCOMPARE(cert.serialDecimal(), QByteArray("316663873929282"));
            QCOMPARE(cert.version(), 3);
            QCOMPARE(cert.subject(), caSubject());
        } else {
            QCOMPARE(cert.serialDecimal(), QByteArray::number(e["serial"].toInteger()));
            QCOMPARE(cert.serialHex(), e["serial_hex"].toString().mid(2).toLatin1());
            QCOMPARE(cert.version(), 1);
            const Subject expected{{"serialNumber", e["subject_serialNumber"].toString()},
                                   {"CN", e["cn"].toString()}};
            QCOMPARE(cert.subject(), expected);
            QCOMPARE(cert.commonName(), e["cn"].toString());
        }
        QCOMPARE(cert.version(), e["x509_version_field"].toInt() + 1);
        QCOMPARE(cert.issuer(), caSubject());
        QCOMPARE(cert.notAfter(), e["not_after_unix"].toInteger());
        QCOMPARE(cert.notBefore(), asn1ToUnix(e["not_before"].toString()));
        QCOMPARE(cert.notAfter(), asn1ToUnix(e["not_after"].toString()));
        QCOMPARE(cert.fingerprint("sha1").value_or("").toHex(), e["sha1_der"].toString().toLatin1());
        QCOMPARE(cert.fingerprint("sha256").value_or("").toHex(), e["sha256_der"].toString().toLatin1());
        QCOMPARE(cert.fingerprint("SHA256").value_or("").toHex(), e["sha256_der"].toString().toLatin1());
        QVERIFY(!cert.fingerprint("nope"));
        QCOMPARE(cert.signatureAlgorithm(), e["signature_algorithm"].toString().toLatin1());
        QCOMPARE(cert.toDer().size(), e["der_len"].toInt());

        QVERIFY(cert.isSignedBy(m_caKey));
        QVERIFY(cert.isSignedBy(m_ca.publicKey()));
        const RsaKey other = loadKey(file == QLatin1String("node-0-16.crt") ? "node-1-16.key" : "node-0-16.key");
        QVERIFY(!other.samePublicKey(m_caKey));
        QVERIFY(!cert.isSignedBy(other));
        QVERIFY(!cert.isSignedBy(RsaKey()));

        QCOMPARE(key.bits(), e["rsa_bits"].toInt());
        QCOMPARE(key.bits(), 2048);
        QCOMPARE(key.sizeBytes(), 256);
        QVERIFY(key.hasPrivate());
        QCOMPARE(cert.publicKey().bits(), 2048);
        QVERIFY(!cert.publicKey().hasPrivate());
        QVERIFY(cert.publicKey().samePublicKey(key));
        QVERIFY(!cert.publicKey().samePublicKey(other));

        // DER and PEM round trips give the same certificate bytes.
        const auto fromDer = Certificate::fromDer(cert.toDer());
        QVERIFY(fromDer);
        QCOMPARE(fromDer->toDer(), cert.toDer());
        QCOMPARE(cert.toDer(), pemBody(test::readVector("crypto/" + file)));
        const auto fromPem = Certificate::fromPem(cert.toPem());
        QVERIFY(fromPem);
        QCOMPARE(fromPem->toDer(), cert.toDer());
        // Copies share the object and stay valid after the original goes away.
        Certificate copy;
        {
            Certificate tmp = cert;
            copy = tmp;
        }
        QCOMPARE(copy.toDer(), cert.toDer());
    }

    // registry-protocol.md §7.5: issuing with the vector's inputs reproduces
    // upstream's certificate byte for byte (v1, name string types, UTCTime,
    // verbatim issuer, deterministic PKCS#1 v1.5 SHA-512 signature).
    void reissueIsByteIdentical_data() { addCertRows(false); }
    void reissueIsByteIdentical()
    {
        QFETCH(QString, file);
        const QJsonObject e = certEntry(file);
        const QByteArray vectorDer = pemBody(test::readVector("crypto/" + file));
        const RsaKey nodeKey = loadKey(e["key_file"].toString());
        // Public part only, as the registry has it from the CSR.
        const auto publicOnly = RsaKey::fromPem(nodeKey.publicKeyPem());
        QVERIFY(publicOnly);
        const Subject subject{{"serialNumber", e["subject_serialNumber"].toString()},
                              {"CN", e["cn"].toString()}};
        const auto issued = Certificate::issue(m_ca, m_caKey, quint64(e["serial"].toInteger()), subject,
                                               *publicOnly, asn1ToUnix(e["not_before"].toString()),
                                               e["not_after_unix"].toInteger());
        QVERIFY(issued);
        QCOMPARE(issued->version(), 1);
        QCOMPARE(issued->toDer().toHex(), vectorDer.toHex());
        QVERIFY(issued->isSignedBy(m_caKey));
    }

    void issueRejectsBadInput()
    {
        const RsaKey nodeKey = loadKey("node-1-16.key");
        const Subject subject{{"serialNumber", "1"}, {"CN", "1/16"}};
        const qint64 nb = asn1ToUnix("20261126102557Z");
        // Wrong CA key: the certificate could never verify.
        QVERIFY(!Certificate::issue(m_ca, nodeKey, 2, subject, nodeKey, nb, nb + 86400));
        QVERIFY(!Certificate::issue(m_ca, m_ca.publicKey(), 2, subject, nodeKey, nb, nb + 86400));
        QVERIFY(!Certificate::issue(Certificate(), m_caKey, 2, subject, nodeKey, nb, nb + 86400));
        QVERIFY(!Certificate::issue(m_ca, m_caKey, 2, subject, RsaKey(), nb, nb + 86400));
        QVERIFY(!Certificate::issue(m_ca, m_caKey, 2, {{"nope", "x"}}, nodeKey, nb, nb + 86400));
        // Country must be 2 printable characters (OpenSSL's string table).
        QVERIFY(!Certificate::issue(m_ca, m_caKey, 2, {{"C", "FRA"}}, nodeKey, nb, nb + 86400));

        // After 2049 the time is a GeneralizedTime; it still round-trips.
        const qint64 late = asn1ToUnix("20600101000000Z");
        const auto cert = Certificate::issue(m_ca, m_caKey, 9, {{"O", "Exämple"}, {"C", "FR"}, {"CN", "9/16"}},
                                             nodeKey, nb, late);
        QVERIFY(cert);
        QCOMPARE(cert->notBefore(), nb);
        QCOMPARE(cert->notAfter(), late);
        QCOMPARE(cert->serialDecimal(), QByteArray("9"));
        QCOMPARE(cert->serialHex(), QByteArray("9"));
        // Issued from a private key, the certificate only holds the public half.
        QVERIFY(cert->publicKey().samePublicKey(nodeKey));
        QVERIFY(!cert->publicKey().hasPrivate());
        QCOMPARE(cert->subject(), (Subject{{"O", "Exämple"}, {"C", "FR"}, {"CN", "9/16"}}));
    }

    // registry-protocol.md §3.2: version blobs are reproducible signatures.
    void versionBlobSignatures()
    {
        const QJsonObject doc = test::vectorJson("crypto/version-blobs.json").object();
        const RsaKey caPublic = m_ca.publicKey();
        int signedCount = 0;
        for (const QJsonValue &v : doc["blobs"].toArray()) {
            const QJsonObject b = v.toObject();
            if (!b["signed"].toBool())
                continue;
            ++signedCount;
            const QByteArray packed = QByteArray::fromHex(b["packed_counter_hex"].toString().toLatin1());
            const QByteArray signature = QByteArray::fromHex(b["signature_hex"].toString().toLatin1());
            QCOMPARE(packed + signature, QByteArray::fromHex(b["blob_hex"].toString().toLatin1()));
            QCOMPARE(m_caKey.signSha512(packed).value_or("").toHex(), signature.toHex());
            QVERIFY(caPublic.verifySha512(packed, signature));
            QVERIFY(m_caKey.verifySha512(packed, signature));
            QVERIFY(!caPublic.verifySha512(packed + "x", signature));
            QByteArray bad = signature;
            bad[10] = char(bad[10] ^ 1);
            QVERIFY(!caPublic.verifySha512(packed, bad));
            QVERIFY(!loadKey("node-0-16.key").verifySha512(packed, signature));
        }
        QCOMPARE(signedCount, 10);
        // Counter 1 is packed as the single byte 01.
        QCOMPARE(m_caKey.signSha512(QByteArray::fromHex("01")).value_or("").left(8).toHex(),
                 QByteArray("389c30ccc13f69ac"));

        const QByteArray invalid = QByteArray::fromHex(doc["invalid_example"].toObject()["blob_hex"].toString().toLatin1());
        QVERIFY(!caPublic.verifySha512(invalid.left(1), invalid.mid(1)));
        QVERIFY(!caPublic.verifySha512("", ""));
        // Public keys cannot sign.
        QVERIFY(!caPublic.signSha512("01"));
        QVERIFY(!RsaKey().signSha512("01"));
    }

    // registry-protocol.md §5.2: hello answer E || G.
    void helloSecret()
    {
        const QJsonObject hello = test::vectorJson("registry-http/exchange.json").object()["hello"].toObject();
        const QByteArray body = QByteArray::fromHex(hello["response_body_hex"].toString().toLatin1());
        QCOMPARE(body.size(), 512);
        const QByteArray e = body.left(body.size() / 2);
        const QByteArray g = body.mid(body.size() / 2);
        const RsaKey nodeKey = loadKey("node-4-16.key");
        QCOMPARE(nodeKey.decrypt(e).value_or("").toHex(), QByteArray("032c86be7ca0a9e021a098a82132d2cd4bbe27fd"));
        QVERIFY(m_ca.publicKey().verifySha512(e, g));
        // Another node's key cannot recover K0.
        const auto wrong = loadKey("node-3-16.key").decrypt(e);
        QVERIFY(!wrong || wrong->toHex() != "032c86be7ca0a9e021a098a82132d2cd4bbe27fd");
        // Public keys cannot decrypt.
        QVERIFY(!loadCert("node-4-16.crt").publicKey().decrypt(e));
    }

    void encryptRoundtrip()
    {
        const RsaKey nodeKey = loadKey("node-2-16.key");
        const RsaKey publicKey = loadCert("node-2-16.crt").publicKey();
        const QByteArray secret = randomBytes(20);
        const auto cipher = publicKey.encrypt(secret);
        QVERIFY(cipher);
        QCOMPARE(cipher->size(), 256);
        QCOMPARE(nodeKey.decrypt(*cipher).value_or(""), secret);
        // PKCS#1 v1.5 encryption is randomized.
        QVERIFY(publicKey.encrypt(secret).value_or("") != *cipher);

        const QByteArray largest(256 - 11, 'x');
        const auto big = publicKey.encrypt(largest);
        QVERIFY(big);
        QCOMPARE(nodeKey.decrypt(*big).value_or(""), largest);
        QVERIFY(!publicKey.encrypt(QByteArray(256 - 10, 'x')));
        QVERIFY(!publicKey.encrypt(QByteArray(1000, 'x')));
        QCOMPARE(nodeKey.decrypt(*publicKey.encrypt(QByteArray())).value_or("x"), QByteArray());

        QVERIFY(!nodeKey.decrypt(QByteArray(257, '\1')));
        QVERIFY(!nodeKey.decrypt(QByteArray()));
        QVERIFY(!RsaKey().encrypt("x"));
        QVERIFY(!RsaKey().decrypt(*cipher));
    }

    void generateKey()
    {
        const auto key = RsaKey::generate(2048);
        QVERIFY(key);
        QCOMPARE(key->bits(), 2048);
        QCOMPARE(key->sizeBytes(), 256);
        QVERIFY(key->hasPrivate());
        const QByteArray pem = key->privateKeyPem();
        QVERIFY(pem.startsWith("-----BEGIN PRIVATE KEY-----\n"));
        const auto reloaded = RsaKey::fromPem(pem);
        QVERIFY(reloaded);
        QVERIFY(reloaded->hasPrivate());
        QVERIFY(reloaded->samePublicKey(*key));
        QCOMPARE(reloaded->privateKeyPem(), pem);
        QVERIFY(!key->samePublicKey(m_caKey));

        const QByteArray publicPem = key->publicKeyPem();
        QVERIFY(publicPem.startsWith("-----BEGIN PUBLIC KEY-----\n"));
        // SubjectPublicKeyInfo ends with the exponent INTEGER 65537.
        QVERIFY(pemBody(publicPem).endsWith(QByteArray::fromHex("0203010001")));
        const auto publicOnly = RsaKey::fromPem(publicPem);
        QVERIFY(publicOnly);
        QVERIFY(!publicOnly->hasPrivate());
        QVERIFY(publicOnly->samePublicKey(*key));
        QVERIFY(publicOnly->privateKeyPem().isEmpty());

        const auto sig = key->signSha512("data");
        QVERIFY(sig);
        QVERIFY(publicOnly->verifySha512("data", *sig));

        QVERIFY(!RsaKey::generate(0));
        QVERIFY(!RsaKey::generate(-1));
    }

    void keyPemFormats()
    {
        // PKCS#1 "RSA PRIVATE KEY" and "RSA PUBLIC KEY" are accepted too.
        const RsaKey key = loadKey("node-0-16.key");
        QVERIFY(!key.isNull());
        const QByteArray pkcs8 = pemBody(key.privateKeyPem());
        // PKCS#8 PrivateKeyInfo: the PKCS#1 RSAPrivateKey is the last OCTET STRING;
        // for RSA-2048 it starts at offset 26 (30 82 xx xx 02 01 00 30 0d ... 04 82 xx xx).
        QCOMPARE(pkcs8.mid(22, 2).toHex(), QByteArray("0482"));
        const auto pkcs1 = RsaKey::fromPem(toPem(pkcs8.mid(26), "RSA PRIVATE KEY"));
        QVERIFY(pkcs1);
        QVERIFY(pkcs1->hasPrivate());
        QVERIFY(pkcs1->samePublicKey(key));

        const QByteArray spki = pemBody(key.publicKeyPem());
        // SubjectPublicKeyInfo: 30 82 01 22 30 0d <alg> 03 82 01 0f 00 <RSAPublicKey>.
        QCOMPARE(spki.mid(19, 5).toHex(), QByteArray("0382010f00"));
        const auto rsaPublic = RsaKey::fromPem(toPem(spki.mid(24), "RSA PUBLIC KEY"));
        QVERIFY(rsaPublic);
        QVERIFY(!rsaPublic->hasPrivate());
        QVERIFY(rsaPublic->samePublicKey(key));

        // An encrypted key fails instead of prompting for a passphrase.
        QVERIFY(!RsaKey::fromPem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjAp\n"
                                 "-----END ENCRYPTED PRIVATE KEY-----\n"));
    }

    // registry-protocol.md §14.2 step 10.
    void certificateRequest()
    {
        const RsaKey key = loadKey("node-3-16.key");
        const Subject subject{{"O", "Nexedi"}, {"emailAddress", "n3@example.com"}, {"serialNumber", "3"}};
        const auto req = CertificateRequest::create(subject, key);
        QVERIFY(req);
        QVERIFY(req->verifySignature());
        QCOMPARE(req->subject(), subject);
        QVERIFY(req->publicKey().samePublicKey(key));
        QVERIFY(!req->publicKey().hasPrivate());
        const QByteArray pem = req->toPem();
        QVERIFY(pem.startsWith("-----BEGIN CERTIFICATE REQUEST-----\n"));
        QVERIFY(pemBody(pem).contains(kSha512WithRsaOid));

        const auto parsed = CertificateRequest::fromPem(pem);
        QVERIFY(parsed);
        QVERIFY(parsed->verifySignature());
        QCOMPARE(parsed->subject(), subject);
        QVERIFY(parsed->publicKey().samePublicKey(key));
        QCOMPARE(parsed->toPem(), pem);
        CertificateRequest copy = *parsed;
        QCOMPARE(copy.toPem(), pem);

        // The registry issues from a CSR: subject order <others>, serialNumber, CN (§7.5).
        Subject issuedSubject = parsed->subject();
        subjectReplace(issuedSubject, "serialNumber", "7");
        subjectReplace(issuedSubject, "CN", "7/16");
        const qint64 nb = asn1ToUnix("20261126102557Z");
        const auto cert = Certificate::issue(m_ca, m_caKey, 42, issuedSubject, parsed->publicKey(), nb, nb + 365 * 86400);
        QVERIFY(cert);
        QCOMPARE(cert->subject(), (Subject{{"O", "Nexedi"}, {"emailAddress", "n3@example.com"},
                                           {"serialNumber", "7"}, {"CN", "7/16"}}));
        QVERIFY(cert->publicKey().samePublicKey(key));

        // Tampering with the signed part or the signature breaks verification.
        QByteArray der = pemBody(pem);
        const qsizetype at = der.indexOf("Nexedi");
        QVERIFY(at > 0);
        der[at] = 'M';
        const auto tampered = CertificateRequest::fromPem(toPem(der, "CERTIFICATE REQUEST"));
        QVERIFY(tampered);
        QCOMPARE(subjectValue(tampered->subject(), "O"), QStringLiteral("Mexedi"));
        QVERIFY(!tampered->verifySignature());
        QByteArray badSig = pemBody(pem);
        badSig[badSig.size() - 1] = char(badSig[badSig.size() - 1] ^ 0x55);
        const auto tamperedSig = CertificateRequest::fromPem(toPem(badSig, "CERTIFICATE REQUEST"));
        QVERIFY(tamperedSig);
        QVERIFY(!tamperedSig->verifySignature());

        QVERIFY(!CertificateRequest::create({{"nope", "x"}}, key));
        QVERIFY(!CertificateRequest::create(subject, m_ca.publicKey()));
        QVERIFY(!CertificateRequest::create(subject, RsaKey()));
        const auto empty = CertificateRequest::create({}, key);
        QVERIFY(empty);
        QVERIFY(empty->subject().isEmpty());
        QVERIFY(empty->verifySignature());
    }

    void garbageInput()
    {
        const QByteArray caPem = test::readVector("crypto/ca.crt");
        const QByteArray keyPem = test::readVector("crypto/ca.key");
        const QList<QByteArray> inputs{
            QByteArray(), "garbage", QByteArray(4096, '\0'), caPem.left(caPem.size() / 2),
            keyPem.left(keyPem.size() / 2),
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n",
            "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"};
        for (const QByteArray &in : inputs) {
            QVERIFY(!Certificate::fromPem(in));
            QVERIFY(!Certificate::fromDer(in));
            QVERIFY(!CertificateRequest::fromPem(in));
            QVERIFY(!RsaKey::fromPem(in));
        }
        // A certificate is not a key and a key is not a certificate.
        QVERIFY(!RsaKey::fromPem(caPem));
        QVERIFY(!Certificate::fromPem(keyPem));
        QVERIFY(!CertificateRequest::fromPem(caPem));
        // Truncated or padded DER is rejected.
        const QByteArray der = m_ca.toDer();
        QVERIFY(!Certificate::fromDer(der.left(der.size() - 1)));
        QVERIFY(!Certificate::fromDer(der + '\0'));
        // Both in one file (PEM bundle): each reader finds its own block.
        QVERIFY(Certificate::fromPem(keyPem + caPem));
        QVERIFY(RsaKey::fromPem(caPem + keyPem));

        // Null objects answer empty, never crash.
        const Certificate nullCert;
        QVERIFY(nullCert.isNull());
        QVERIFY(nullCert.toPem().isEmpty());
        QVERIFY(nullCert.toDer().isEmpty());
        QVERIFY(nullCert.serialHex().isEmpty());
        QCOMPARE(nullCert.version(), 0);
        QVERIFY(nullCert.subject().isEmpty());
        QVERIFY(nullCert.commonName().isNull());
        QVERIFY(nullCert.publicKey().isNull());
        QVERIFY(!nullCert.isSignedBy(m_caKey));
        QVERIFY(!nullCert.fingerprint("sha256"));
        const CertificateRequest nullReq;
        QVERIFY(nullReq.toPem().isEmpty());
        QVERIFY(!nullReq.verifySignature());
        QVERIFY(nullReq.publicKey().isNull());
        const RsaKey nullKey;
        QCOMPARE(nullKey.bits(), 0);
        QVERIFY(!nullKey.hasPrivate());
        QVERIFY(nullKey.privateKeyPem().isEmpty());
        QVERIFY(nullKey.publicKeyPem().isEmpty());
        QVERIFY(!nullKey.samePublicKey(nullKey));
    }

    // registry-protocol.md §2.1: the CA serial is a big integer.
    void selfSignedCa()
    {
        const qint64 nb = asn1ToUnix("20261126102553Z");
        const qint64 na = asn1ToUnix("20271126102553Z");
        const auto ca = Certificate::selfSignedCa(m_caKey, kCaSerialHex, caSubject(), nb, na);
        QVERIFY(ca);
        QCOMPARE(ca->serialHex(), kCaSerialHex);
        QCOMPARE(ca->serialDecimal(), QByteArray("316663873929282"));
        QCOMPARE(ca->version(), 3);
        QCOMPARE(ca->subject(), caSubject());
        QCOMPARE(ca->issuer(), caSubject());
        QCOMPARE(ca->notBefore(), nb);
        QCOMPARE(ca->notAfter(), na);
        QVERIFY(ca->isSignedBy(m_caKey));
        QVERIFY(ca->publicKey().samePublicKey(m_caKey));
        QVERIFY(!ca->publicKey().hasPrivate());
        QCOMPARE(ca->signatureAlgorithm(), QByteArray("sha512WithRSAEncryption"));
        // Same subject encoding as the openssl-made vector CA.
        QVERIFY(ca->toDer().contains(pemBody(test::readVector("crypto/ca.crt")).mid(133, 64)));

        // 129-bit serial: /128 network.
        const QByteArray big = "1" + QByteArray(32, 'f');
        const auto bigCa = Certificate::selfSignedCa(m_caKey, big, caSubject(), nb, na);
        QVERIFY(bigCa);
        QCOMPARE(bigCa->serialHex(), big);
        QCOMPARE(bigCa->serialDecimal(), QByteArray("680564733841876926926749214863536422911"));
        QCOMPARE(Certificate::selfSignedCa(m_caKey, "0x" + kCaSerialHex, caSubject(), nb, na)->serialHex(),
                 kCaSerialHex);
        QCOMPARE(Certificate::selfSignedCa(m_caKey, "00ABC", caSubject(), nb, na)->serialHex(), QByteArray("abc"));

        for (const QByteArray &bad : {QByteArray(), QByteArray("0"), QByteArray("xyz"), QByteArray("12 3"),
                                      QByteArray("-5"), QByteArray(41, 'f')})
            QVERIFY2(!Certificate::selfSignedCa(m_caKey, bad, caSubject(), nb, na), bad.constData());
        QVERIFY(!Certificate::selfSignedCa(m_ca.publicKey(), kCaSerialHex, caSubject(), nb, na));
        QVERIFY(!Certificate::selfSignedCa(m_caKey, kCaSerialHex, {{"nope", "x"}}, nb, na));

        // A node certificate issued by the new CA carries its subject as issuer.
        const auto node = Certificate::issue(*ca, m_caKey, 1, {{"serialNumber", "0"}, {"CN", "0/16"}},
                                             loadKey("node-0-16.key"), nb, na);
        QVERIFY(node);
        QCOMPARE(node->issuer(), caSubject());
        QCOMPARE(node->version(), 1);
        QVERIFY(node->isSignedBy(ca->publicKey()));
    }

    void digests()
    {
        const QByteArray key = QByteArray::fromHex("000102030405060708090a0b0c0d0e0f10111213");
        QCOMPARE(hmacSha1(key, "/getNetworkConfig?cn=0000000000000001").toBase64(),
                 QByteArray("BIcMwJ5NqRRv1KqdgNk1omkyIRU="));
        QCOMPARE(hmacSha1(QByteArray(), QByteArray()).toHex(), QByteArray("fbdb1d1b18aa6c08324b7d64b71fb76370690e1d"));
        QCOMPARE(sha1(QByteArray()).toHex(), QByteArray("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        // Ratchet K1 = SHA1(K0) of the live exchange (registry-http/).
        QCOMPARE(sha1(QByteArray::fromHex("032c86be7ca0a9e021a098a82132d2cd4bbe27fd")).toHex(),
                 QByteArray("faf99401faa36827ddaf87e1f27ab85737831e10"));
        QCOMPARE(digest("sha256", "abc").value_or("").toHex(),
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(digest("sha1", "abc").value_or("").toHex(), QByteArray("a9993e364706816aba3e25717850c26c9cd0d89d"));
        QCOMPARE(digest("md5", "").value_or("").toHex(), QByteArray("d41d8cd98f00b204e9800998ecf8427e"));
        QCOMPARE(digestSize("sha1"), std::optional<int>(20));
        QCOMPARE(digestSize("sha256"), std::optional<int>(32));
        QCOMPARE(digestSize("sha512"), std::optional<int>(64));
        // Python hashlib spellings (re6st-conf --fingerprint).
        QCOMPARE(digestSize("sha3_256"), std::optional<int>(32));
        QCOMPARE(digestSize("blake2b"), std::optional<int>(64));
        QCOMPARE(digest("sha3_256", "").value_or("").toHex(),
                 QByteArray("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"));
        QVERIFY(!digest("nope", "abc"));
        QVERIFY(!digestSize("nope"));
        QVERIFY(!digestSize(""));
        QVERIFY(!digestSize("shake_128"));
        QVERIFY(!digestSize(QByteArray("sha1\0x", 6)));

        QCOMPARE(randomBytes(32).size(), 32);
        QVERIFY(randomBytes(32) != randomBytes(32));
        QVERIFY(randomBytes(0).isEmpty());
        QVERIFY(randomBytes(-3).isEmpty());
    }

    // registry-protocol.md §7.5 subject order.
    void subjectHelpers()
    {
        Subject s{{"O", "x"}, {"serialNumber", "old"}, {"CN", "a"}, {"serialNumber", "second"}};
        QCOMPARE(subjectValue(s, "CN"), QStringLiteral("a"));
        QCOMPARE(subjectValue(s, "commonName"), QStringLiteral("a"));
        QCOMPARE(subjectValue(s, "serialNumber"), QStringLiteral("old"));
        QVERIFY(subjectValue(s, "L").isNull());
        QCOMPARE(shortAttributeName("organizationName"), QByteArray("O"));
        QCOMPARE(shortAttributeName("commonName"), QByteArray("CN"));
        QCOMPARE(shortAttributeName("emailAddress"), QByteArray("emailAddress"));
        QCOMPARE(shortAttributeName("notAnAttribute"), QByteArray("notAnAttribute"));
        QVERIFY(subjectUniqueValue(s, "serialNumber").isNull()); // two: no one's
        QCOMPARE(subjectUniqueValue(s, "commonName"), QStringLiteral("a"));
        QVERIFY(subjectUniqueValue(s, "L").isNull());
        // Every one replaced (upstream: only the first, which let a CSR choose the CN).
        subjectReplace(s, "serialNumber", "5");
        QCOMPARE(s, (Subject{{"O", "x"}, {"CN", "a"}, {"serialNumber", "5"}}));
        subjectReplace(s, "CN", "5/16");
        QCOMPARE(s, (Subject{{"O", "x"}, {"serialNumber", "5"}, {"CN", "5/16"}}));
        Subject twoNames{{"CN", "0/16"}, {"commonName", "1/16"}, {"CN", "2/16"}};
        QVERIFY(subjectUniqueValue(twoNames, "CN").isNull());
        subjectReplace(twoNames, "CN", "3/16");
        QCOMPARE(twoNames, (Subject{{"CN", "3/16"}}));
        Subject empty;
        subjectReplace(empty, "CN", "0/16");
        QCOMPARE(empty, (Subject{{"CN", "0/16"}}));

        QVERIFY(isKnownAttribute("CN"));
        QVERIFY(isKnownAttribute("commonName"));
        QVERIFY(isKnownAttribute("serialNumber"));
        QVERIFY(isKnownAttribute("emailAddress"));
        QVERIFY(isKnownAttribute("L"));
        QVERIFY(!isKnownAttribute("nope"));
        QVERIFY(!isKnownAttribute("serial"));
        QVERIFY(!isKnownAttribute(""));
    }
};

QTEST_GUILESS_MAIN(TestCrypto)
#include "tst_crypto.moc"
