// SPDX-License-Identifier: GPL-2.0-or-later
#include "Vectors.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include "daemon/NodeEnvironment.h"
#include "daemon/NodeIdentity.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using re6st::crypto::Certificate;
using re6st::crypto::RsaKey;
using re6st::crypto::Subject;
using re6st::daemon::NodeEnvironment;
using re6st::daemon::NodeIdentity;
using re6st::test::readVector;
using re6st::test::vectorPath;

class tst_NodeIdentity final : public QObject
{
    Q_OBJECT

    // Vector certificates are valid 2026-11-26 .. 2027-11-26 (vectors/README.md).
    static constexpr qint64 kInside = 1827224753 - 30 * 86400;
    static constexpr qint64 kCaNotAfter = 1827224753;

    static NodeIdentity::Result load(const QString &cert, const QString &key, qint64 now = kInside)
    {
        return NodeIdentity::fromPem(readVector("crypto/ca.crt"), readVector("crypto/" + cert),
                                     readVector("crypto/" + key), now);
    }

private Q_SLOTS:
    void vectorNode()
    {
        const auto r = NodeIdentity::load(vectorPath("crypto/ca.crt"), vectorPath("crypto/node-1-16.crt"),
                                          vectorPath("crypto/node-1-16.key"), kInside);
        QVERIFY2(r.identity, qPrintable(r.error));
        const NodeIdentity &id = *r.identity;
        QCOMPARE(id.network, QByteArray("001000000000000100001101101110000000000001000010"));
        QCOMPARE(id.prefix, QByteArray("0000000000000001"));
        QCOMPARE(id.networkCidr, "2001:db8:42::/48");
        QCOMPARE(id.subnet, "2001:db8:42:1::/64");
        QCOMPARE(id.ip, "2001:db8:42:1::1");
        QVERIFY(!id.certificateExpired);
        QVERIFY(id.warning.isEmpty());
        // §1.3 environment of --up / --daemon.
        const NodeEnvironment::Variables expected{{"re6stnet_iface", "lo"},
                                                  {"re6stnet_ip", "2001:db8:42:1::1"},
                                                  {"re6stnet_subnet", "2001:db8:42:1::/64"},
                                                  {"re6stnet_network", "2001:db8:42::/48"}};
        QCOMPARE(NodeEnvironment::variables("lo", id), expected);
    }

    void everyVectorNode()
    {
        const QJsonArray certs = re6st::test::vectorJson("crypto/certs.json").object().value("certificates").toArray();
        int checked = 0;
        for (const QJsonValue &v : certs) {
            const QJsonObject c = v.toObject();
            if (!c.contains("node_ip")) continue;
            const auto r = load(c.value("file").toString(), c.value("key_file").toString());
            QVERIFY2(r.identity, qPrintable(r.error));
            QCOMPARE(r.identity->ip, c.value("node_ip").toString());
            QCOMPARE(r.identity->subnet, c.value("subnet").toString());
            QCOMPARE(QString::fromLatin1(r.identity->prefix), c.value("prefix_bits").toString());
            ++checked;
        }
        QVERIFY(checked >= 5);
    }

    void mismatchedKey()
    {
        const auto r = load("node-1-16.crt", "node-2-16.key");
        QVERIFY(!r.identity);
        QVERIFY2(r.error.contains("--key does not match --cert"), qPrintable(r.error));
    }

    void expiredCertificateIsAccepted()
    {
        // §2.3: verified at min(now, max(notBefore)): an expired cert is kept for renewal.
        const auto r = load("node-1-16.crt", "node-1-16.key", kCaNotAfter + 10 * 86400);
        QVERIFY2(r.identity, qPrintable(r.error));
        QVERIFY(r.identity->certificateExpired);
        QVERIFY2(r.identity->warning.contains("expired"), qPrintable(r.identity->warning));
        QCOMPARE(r.identity->ip, "2001:db8:42:1::1");
    }

    void notYetValid()
    {
        const auto r = load("node-1-16.crt", "node-1-16.key", 1700000000); // 2023
        QVERIFY(!r.identity);
        QVERIFY2(r.error.contains("not valid yet") && r.error.contains("clock"), qPrintable(r.error));
    }

    void notSignedByCa()
    {
        // A CA with the same name and serial but another key: the signature must fail.
        const auto realCa = Certificate::fromPem(readVector("crypto/ca.crt"));
        QVERIFY(realCa);
        const auto otherKey = RsaKey::generate(2048);
        QVERIFY(otherKey);
        const auto fakeCa = Certificate::selfSignedCa(*otherKey, realCa->serialHex(), realCa->subject(),
                                                      realCa->notBefore(), realCa->notAfter());
        QVERIFY(fakeCa);
        auto r = NodeIdentity::fromPem(fakeCa->toPem(), readVector("crypto/node-1-16.crt"),
                                       readVector("crypto/node-1-16.key"), kInside);
        QVERIFY(!r.identity);
        QVERIFY2(r.error.contains("is not signed by --ca"), qPrintable(r.error));
        // And a certificate issued by that other CA, checked against the real one.
        const auto nodeKey = RsaKey::fromPem(readVector("crypto/node-1-16.key"));
        QVERIFY(nodeKey);
        const Subject subject{{"serialNumber", "1"}, {"CN", "1/16"}};
        const auto foreign = Certificate::issue(*fakeCa, *otherKey, 99, subject, *nodeKey, realCa->notBefore(),
                                                realCa->notAfter());
        QVERIFY(foreign);
        r = NodeIdentity::fromPem(readVector("crypto/ca.crt"), foreign->toPem(), readVector("crypto/node-1-16.key"),
                                  kInside);
        QVERIFY(!r.identity);
        QVERIFY2(r.error.contains("is not signed by --ca"), qPrintable(r.error));
    }

    void keySizeDiffersFromCa()
    {
        const auto ca = Certificate::fromPem(readVector("crypto/ca.crt"));
        const auto caKey = RsaKey::fromPem(readVector("crypto/ca.key"));
        const auto small = RsaKey::generate(1024);
        QVERIFY(ca && caKey && small);
        const auto cert = Certificate::issue(*ca, *caKey, 98, Subject{{"serialNumber", "9"}, {"CN", "9/16"}},
                                             *small, ca->notBefore(), ca->notAfter());
        QVERIFY(cert);
        const auto r = NodeIdentity::fromPem(ca->toPem(), cert->toPem(), small->privateKeyPem(), kInside);
        QVERIFY(!r.identity);
        QVERIFY2(r.error.contains("1024-bit") && r.error.contains("2048"), qPrintable(r.error));
    }

    void badCn()
    {
        const auto ca = Certificate::fromPem(readVector("crypto/ca.crt"));
        const auto caKey = RsaKey::fromPem(readVector("crypto/ca.key"));
        const auto nodeKey = RsaKey::fromPem(readVector("crypto/node-1-16.key"));
        QVERIFY(ca && caKey && nodeKey);
        for (const char *cn : {"re6st.example.com", "1/81"}) { // not a prefix; 48 + 81 > 128 bits
            const auto cert = Certificate::issue(*ca, *caKey, 97, Subject{{"CN", QString::fromLatin1(cn)}},
                                                 *nodeKey, ca->notBefore(), ca->notAfter());
            QVERIFY(cert);
            const auto r = NodeIdentity::fromPem(ca->toPem(), cert->toPem(), nodeKey->privateKeyPem(), kInside);
            QVERIFY2(!r.identity, cn);
            QVERIFY2(r.error.contains("CN") || r.error.contains("128"), qPrintable(r.error));
        }
    }

    void unreadableInputs()
    {
        auto r = NodeIdentity::load("/nonexistent/ca.crt", vectorPath("crypto/node-1-16.crt"),
                                    vectorPath("crypto/node-1-16.key"), kInside);
        QVERIFY(!r.identity);
        QVERIFY2(r.error.startsWith("--ca: cannot read /nonexistent/ca.crt"), qPrintable(r.error));
        r = NodeIdentity::fromPem("garbage", readVector("crypto/node-1-16.crt"), readVector("crypto/node-1-16.key"),
                                  kInside);
        QVERIFY(!r.identity);
        QVERIFY2(r.error.startsWith("--ca: not a PEM certificate"), qPrintable(r.error));
        r = NodeIdentity::fromPem(readVector("crypto/ca.crt"), readVector("crypto/node-1-16.key"),
                                  readVector("crypto/node-1-16.key"), kInside);
        QVERIFY(!r.identity);
        QVERIFY2(r.error.startsWith("--cert: not a PEM certificate"), qPrintable(r.error));
        r = NodeIdentity::fromPem(readVector("crypto/ca.crt"), readVector("crypto/node-1-16.crt"),
                                  readVector("crypto/node-1-16.crt"), kInside);
        QVERIFY(!r.identity);
        QVERIFY2(r.error.startsWith("--key: not an unencrypted PEM RSA private key"), qPrintable(r.error));
    }

    // Audit F9: --ca/--cert/--key must be regular files of at most 1 MiB; anything else
    // gives an error naming the option and the file, at once (no hang, no huge allocation).
    void keyNotARegularFileOrTooLarge_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("fifo") << "fifo" << "not a regular file";
        QTest::newRow("/dev/zero") << "/dev/zero" << "not a regular file";
        QTest::newRow("directory") << "directory" << "not a regular file";
        QTest::newRow("2 MiB file") << "big" << "larger than 1 MiB";
    }

    void keyNotARegularFileOrTooLarge()
    {
        QFETCH(QString, kind);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString path;
        if (kind == "fifo") {
            path = dir.filePath("cert.key");
            QVERIFY(::mkfifo(QFile::encodeName(path).constData(), 0600) == 0);
        } else if (kind == "directory") {
            path = dir.path();
        } else if (kind == "big") {
            path = dir.filePath("cert.key");
            QFile big(path);
            QVERIFY(big.open(QIODevice::WriteOnly));
            const QByteArray pem = readVector("crypto/node-1-16.key");
            QByteArray data = pem;
            while (data.size() <= 2 * 1024 * 1024) data += pem; // a valid key first, then too much
            QVERIFY(big.write(data) == data.size());
        } else {
            path = kind;
        }
        QElapsedTimer elapsed;
        elapsed.start();
        const auto r = NodeIdentity::load(vectorPath("crypto/ca.crt"), vectorPath("crypto/node-1-16.crt"), path,
                                          kInside);
        QVERIFY(elapsed.elapsed() < 5000);
        QVERIFY(!r.identity);
        QVERIFY2(r.error.startsWith("--key: cannot read " + path + ": "), qPrintable(r.error));
        QVERIFY2(r.error.contains(expected), qPrintable(r.error));

        // The same for --ca and --cert.
        auto r2 = NodeIdentity::load(path, vectorPath("crypto/node-1-16.crt"), vectorPath("crypto/node-1-16.key"),
                                     kInside);
        QVERIFY2(r2.error.startsWith("--ca: cannot read " + path + ": ") && r2.error.contains(expected),
                 qPrintable(r2.error));
        r2 = NodeIdentity::load(vectorPath("crypto/ca.crt"), path, vectorPath("crypto/node-1-16.key"), kInside);
        QVERIFY2(r2.error.startsWith("--cert: cannot read " + path + ": ") && r2.error.contains(expected),
                 qPrintable(r2.error));
    }
};

QTEST_GUILESS_MAIN(tst_NodeIdentity)
#include "tst_nodeidentity.moc"
