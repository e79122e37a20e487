// SPDX-License-Identifier: GPL-2.0-or-later
// Drives RegistryService in-process (registry-protocol.md §5–§9) with a temp DB
// and the upstream vector CA.
#include "core/Addressing.h"
#include "core/HmacRatchet.h"
#include "core/NetworkConfig.h"
#include "core/NetworkVersion.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/Digest.h"
#include "core/crypto/RsaKey.h"
#include "registry/LocalNode.h"
#include "registry/Mailer.h"
#include "registry/RegistryService.h"
#include "registry/RegistryStore.h"
#include "tests/unit/RegistryServiceFixture.h"
#include "tests/unit/RsaExponentKeys.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QNetworkDatagram>
#include <QSignalSpy>
#include <QScopeGuard>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QTest>
#include <QUdpSocket>
#include <algorithm>
#include <memory>

using namespace re6st;
using namespace re6st::registry;
using namespace re6st::registry::test;

namespace {

// A Fixture whose requestCertificate with token t0 is held after its reserve
// phase (prefix reserved, token not deleted) until `release` is released.
struct HeldIssue
{
    QSemaphore release; // before f: opened (below) before f's service waits for its workers
    Fixture f{baseOptions()};
    std::optional<HttpResponse> answer;
    QByteArray prefix; // reserved by the held request; empty if it never got there

    HeldIssue()
    {
        if (f.get("/addToken?email=e0&token=t0").status != 204) return;
        f.service->setSigningHook([this](quint64) { release.acquire(); });
        f.send("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key"))), &answer);
        if (Fixture::waitUntil([this] { return f.issuing().size() == 1; })) prefix = f.issuing().constFirst();
    }
    ~HeldIssue() { release.release(100); }
};

} // namespace

class tst_RegistryService final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fixedSecretVectors()
    {
        // registry-http/fixed-secret-exchange-node-1-16.json, secret forced to 00..13.
        Fixture f(baseOptions(), vectors() + "/registry-db/registry.db");
        QByteArray fixed;
        for (int i = 0; i < 20; ++i) fixed += char(i);
        f.service->sessions().setSecretGenerator([fixed] { return fixed; });
        const auto node = vectorKey("node-1-16.key");
        QCOMPARE(f.hello("0000000000000001", node).toHex(), QByteArray("000102030405060708090a0b0c0d0e0f10111213"));

        HttpResponse r = f.get("/getNetworkConfig?cn=0000000000000001", {{"Re6stHMAC", "BIcMwJ5NqRRv1KqdgNk1omkyIRU="}});
        QCOMPARE(r.status, 200);
        QCOMPARE(Fixture::hmacHeader(r),
                 crypto::hmacSha1(QByteArray::fromHex("602c63d2f3d13ca3206cdf204cde24e7d8f4266c"), r.body).toBase64());
        QString error;
        const auto config = NetworkConfig::decode(r.body, node, vectorKey("ca.key"), &error);
        QVERIFY2(config, qPrintable(error));
        QCOMPARE(config->registryPrefix(), QByteArray("0000000000000000"));
        QCOMPARE(config->crl(), QList<qint64>{6});
        QVERIFY(config->versionCounter.has_value());

        r = f.get("/getBootstrapPeer?cn=0000000000000001", {{"Re6stHMAC", "BQG47dxSTvlcsuecY6obLeL3rso="}});
        QCOMPARE(r.status, 204);
        QVERIFY(r.body.isEmpty());
        QCOMPARE(Fixture::hmacHeader(r), QByteArray("AiYY5NS07SfZ42Lz6DxbkfE1MPc="));

        r = f.get("/getDh?cn=0000000000000001", {{"Re6stHMAC", "TLO53gJsZ9Ae/yIqcnDEM+88hYY="}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, readVector("crypto/dh2048.pem"));
        QCOMPARE(Fixture::hmacHeader(r), QByteArray("d7rE9i5BVX2iC69hVrN9Z/n77uE="));

        // Replayed request: the ratchet moved on.
        r = f.get("/getDh?cn=0000000000000001", {{"Re6stHMAC", "TLO53gJsZ9Ae/yIqcnDEM+88hYY="}});
        QCOMPARE(r.status, 400);
        QVERIFY(Fixture::hmacHeader(r).isEmpty());
    }

    void sessionSemantics()
    {
        Fixture f(baseOptions(), vectors() + "/registry-db/registry.db");
        const auto node = vectorKey("node-1-16.key");
        const QByteArray prefix = "0000000000000001";
        const QByteArray s1 = f.hello(prefix, node, 7);
        QCOMPARE(s1.size(), 20);
        QCOMPARE(f.service->sessions().protocol(prefix), 7);
        // A third party calling hello must not break the first session (§5.2 step 3).
        const QByteArray s2 = f.hello(prefix, node);
        const QByteArray s3 = f.hello(prefix, node);
        QCOMPARE(f.service->sessions().entries(prefix).size(), 2);
        QCOMPARE(f.service->sessions().entries(prefix)[0].secret, s1);
        QCOMPARE(f.service->sessions().entries(prefix)[1].secret, s3);
        Q_UNUSED(s2);

        HmacRatchet ratchet(s1);
        const QByteArray target = "/getNetworkConfig?cn=" + prefix;
        HttpResponse r = f.signedGet(ratchet, target);
        QCOMPARE(r.status, 200);
        QVERIFY(ratchet.verifyResponse(r.body, Fixture::hmacHeader(r)));
        // Session is now [(SHA1(SHA1(S1)), 7)].
        QCOMPARE(f.service->sessions().entries(prefix).size(), 1);
        QCOMPARE(f.service->sessions().entries(prefix)[0].secret, crypto::sha1(crypto::sha1(s1)));
        QCOMPARE(ratchet.key(), crypto::sha1(crypto::sha1(s1)));
        QCOMPARE(f.service->sessions().protocol(prefix), 7);
        // The key advances before the method runs, even when the method fails.
        r = f.signedGet(ratchet, "/getCountry?cn=" + prefix + "&address=192.0.2.1");
        QCOMPARE(r.status, 400); // no GeoIP
        r = f.signedGet(ratchet, "/getDh?cn=" + prefix);
        QCOMPARE(r.status, 200);
        QVERIFY(ratchet.verifyResponse(r.body, Fixture::hmacHeader(r)));
        // The old s3 no longer works.
        HmacRatchet stale(s3);
        QCOMPARE(f.signedGet(stale, target).status, 400);
    }

    void authErrors()
    {
        Fixture f(baseOptions(), vectors() + "/registry-db/registry.db");
        QCOMPARE(f.get("/getDh?cn=").status, 400);                     // §18.1
        QCOMPARE(f.get("/getNetworkConfig?cn=").status, 400);
        QCOMPARE(f.get("/getDh?cn=0000000000000001").status, 401);     // no session
        f.hello("0000000000000001", vectorKey("node-1-16.key"));
        QCOMPARE(f.get("/getDh?cn=0000000000000001").status, 400);     // missing header
        QCOMPARE(f.get("/getDh?cn=0000000000000001", {{"Re6stHMAC", "!!notbase64"}}).status, 400);
        QCOMPARE(f.get("/getDh?cn=0000000000000001", {{"Re6stHMAC", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}}).status, 400);
        QCOMPARE(f.get("/hello?client_prefix=1111111111111111").status, 404); // unknown cn
        QCOMPARE(f.get("/hello?client_prefix=0000000000000101").status, 404); // freed by revocation
        QCOMPARE(f.get("/hello?client_prefix=" + QByteArray(81, '0')).status, 400); // §18.9
        QCOMPARE(f.get("/hello?client_prefix=00x1").status, 400);
        QCOMPARE(f.get("/hello?client_prefix=0000000000000001&protocol=ten").status, 500);
        QCOMPARE(f.get("/hello?client_prefix=0000000000000001").status, 200); // protocol defaults to 1
        QCOMPARE(f.service->sessions().protocol("0000000000000001"), 1);
        // A stored certificate whose key size differs from the CA's → 500 (§3).
        const auto small = crypto::RsaKey::generate(1024);
        QVERIFY(small);
        QCOMPARE(f.get("/requestCertificate?token=zzzz&req=" + Fixture::q(f.csr(*small))).status, 204);
        const auto ca = crypto::Certificate::fromPem(readVector("crypto/ca.crt"));
        const auto odd = crypto::Certificate::issue(*ca, vectorKey("ca.key"), 99, {{"CN", "2/16"}}, *small, kNow, kNow + 86400);
        QVERIFY(odd);
        f.store.setRow({"0000000000000010", QString(), odd->toPem()});
        QCOMPARE(f.get("/hello?client_prefix=0000000000000010").status, 500);
    }

    void dispatchErrors()
    {
        Fixture f(baseOptions());
        QCOMPARE(f.get("/getCa").status, 200);
        QCOMPARE(f.get("/getCa").body, readVector("crypto/ca.crt").trimmed() + "\n");
        QCOMPARE(f.get("/getCa?").status, 200);
        QCOMPARE(f.get("/getCa?x=1").status, 400);        // unknown parameter
        QCOMPARE(f.get("/nope").status, 400);             // unknown method
        QCOMPARE(f.get("/a/getCa").status, 400);          // two slashes
        QCOMPARE(f.get("getCa").status, 400);
        QCOMPARE(f.get("/isToken").status, 400);          // missing parameter
        QCOMPARE(f.get("/isToken?token").status, 400);    // component without '='
        QCOMPARE(f.get("/isToken?token=%zz").status, 400);
        QCOMPARE(f.get("/isToken?token=a&token=b").status, 204); // last wins
        QCOMPARE(f.get("/updateHMAC", {}, QHostAddress("192.0.2.7")).status, 403);
        QCOMPARE(f.get("/isToken?token=a", {{"X-Forwarded-For", "192.0.2.7"}}).status, 403);
        QCOMPARE(f.get("/isToken?token=a", {{"X-Forwarded-For", "::1"}}).status, 204);
        QCOMPARE(f.get("/isToken?token=a", {}, QHostAddress("::1")).status, 204);
    }

    void enrollment()
    {
        RegistryOptions o = baseOptions();
        Fixture f(o);
        QVERIFY(!f.store.hasConfig("prefix"));
        QVERIFY(f.store.hasConfig("babel_hmac0"));
        QCOMPARE(f.get("/addToken?email=reg%40example.com&token=tok0").status, 204);
        QCOMPARE(f.get("/addToken?email=reg%40example.com&token=tok0").status, 409);
        QCOMPARE(f.get("/isToken?token=tok0").body, QByteArray("1"));
        QCOMPARE(f.get("/addToken?email=n1%40example.com&token=tok1").status, 204);

        const auto key0 = vectorKey("node-0-16.key");
        HttpResponse r = f.get("/requestCertificate?token=tok0&req=" + Fixture::q(f.csr(key0)) + "&location=&ip=");
        QCOMPARE(r.status, 200);
        auto cert = crypto::Certificate::fromPem(r.body);
        QVERIFY(cert);
        QCOMPARE(cert->commonName(), QString("0/16"));
        QCOMPARE(crypto::subjectValue(cert->subject(), "serialNumber"), QString("0"));
        QCOMPARE(cert->subject().last().name, QByteArray("CN"));
        QCOMPARE(cert->serialDecimal(), QByteArray("1"));
        QVERIFY(cert->isSignedBy(vectorKey("ca.key")));
        QCOMPARE(f.get("/isToken?token=tok0").status, 204); // consumed
        QCOMPARE(f.store.configBlob("prefix"), QByteArray("0000000000000000"));
        QCOMPARE(networkversion::verify(f.store.configBlob("version"), vectorKey("ca.key")), 1u);
        QCOMPARE(f.get("/getNodePrefix?email=reg%40example.com").body, QByteArray("0/16"));
        QCOMPARE(f.get("/getIPv6Address?email=reg%40example.com").body, QByteArray("2001:db8:42::"));
        QCOMPARE(f.get("/getNodePrefix?email=nobody").status, 204);

        // Reused token / unknown token → 204 (the client says "invalid or expired token").
        QCOMPARE(f.get("/requestCertificate?token=tok0&req=" + Fixture::q(f.csr(key0))).status, 204);
        QCOMPARE(f.get("/requestCertificate?token=zzzz&req=" + Fixture::q(f.csr(key0))).status, 204);
        // An unknown token answers 204 whatever the CSR (checked before its errors).
        QCOMPARE(f.get("/requestCertificate?token=zzzz&req=garbage").status, 204);
        QCOMPARE(f.get("/requestCertificate?token=tok0&req=garbage").status, 204);

        // CSR with the wrong key size → 500 and the token is NOT consumed (§18.7).
        const auto small = crypto::RsaKey::generate(1024);
        QVERIFY(small);
        QCOMPARE(f.get("/requestCertificate?token=tok1&req=" + Fixture::q(f.csr(*small))).status, 500);
        QCOMPARE(f.get("/isToken?token=tok1").body, QByteArray("1"));
        QCOMPARE(f.get("/requestCertificate?token=tok1&req=garbage").status, 500);
        QCOMPARE(f.get("/isToken?token=tok1").body, QByteArray("1"));

        const auto key1 = vectorKey("node-1-16.key");
        r = f.get("/requestCertificate?token=tok1&req=" + Fixture::q(f.csr(key1)));
        QCOMPARE(r.status, 200);
        cert = crypto::Certificate::fromPem(r.body);
        QCOMPARE(cert->commonName(), QString("1/16"));
        QCOMPARE(crypto::subjectValue(cert->subject(), "serialNumber"), QString("1"));
        QCOMPARE(f.get("/isToken?token=tok1").status, 204);

        // Anonymous disabled → 403.
        QCOMPARE(f.get("/requestCertificate?token=&req=" + Fixture::q(f.csr(key1))).status, 403);
        // Authenticated netconfig for the new node.
        HmacRatchet ratchet(f.hello("0000000000000001", key1));
        QVERIFY(!ratchet.isNull());
        r = f.signedGet(ratchet, "/getNetworkConfig?cn=0000000000000001");
        QCOMPARE(r.status, 200);
        QVERIFY(ratchet.verifyResponse(r.body, Fixture::hmacHeader(r)));
        QString error;
        const auto config = NetworkConfig::decode(r.body, key1, vectorKey("ca.key"), &error);
        QVERIFY2(config, qPrintable(error));
        QCOMPARE(config->values.value("max_clients").toInt(), 20);
        QCOMPARE(config->values.value("protocol").toInt(), 10);
        QCOMPARE(config->versionCounter, 1u);
    }

    // A CSR key's public exponent out of 3..2^32-1 or even is refused before
    // its signature is verified (a 2047-bit e makes that verification cost a
    // private-key operation; e = 1 makes it forgeable), like a key of the wrong
    // size: 500, and the token, the prefixes and the serials stay unused.
    void requestCertificatePublicExponent_data()
    {
        QTest::addColumn<QByteArray>("exponent"); // big-endian; empty: an invertible 2047-bit one
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("shown");    // how the refusal names e
        QTest::newRow("e=3") << QByteArray::fromHex("03") << 200 << QByteArray();
        QTest::newRow("e=1") << QByteArray::fromHex("01") << 500 << QByteArray("1");
        QTest::newRow("e=65536") << QByteArray::fromHex("010000") << 500 << QByteArray("65536");
        QTest::newRow("e=2^32+1") << QByteArray::fromHex("0100000001") << 500 << QByteArray("4294967297");
        QTest::newRow("e of 2047 bits") << QByteArray() << 500 << QByteArray("more than 64 bits long");
    }

    void requestCertificatePublicExponent()
    {
        QFETCH(QByteArray, exponent);
        QFETCH(int, status);
        QFETCH(QByteArray, shown);
        const auto base = vectorKey("node-0-16.key"); // the CA key size
        crypto::RsaKey key;
        if (status == 200) {
            key = re6st::test::generatedWithExponent(2048, exponent);
        } else {
            if (exponent.isEmpty()) exponent = re6st::test::invertibleExponent(base, 2047);
            key = re6st::test::withPublicExponent(base, exponent);
        }
        QVERIFY(!key.isNull());
        Fixture f(baseOptions());
        QCOMPARE(f.get("/addToken?email=e0%40example.com&token=t0").status, 204);
        const QByteArray req = f.csr(key);
        if (shown.startsWith("more")) QVERIFY(crypto::CertificateRequest::fromPem(req)->verifySignature());

        HttpResponse r = f.get("/requestCertificate?token=t0&req=" + Fixture::q(req));
        QCOMPARE(r.status, status);
        if (status == 200) {
            const auto cert = crypto::Certificate::fromPem(r.body);
            QVERIFY(cert && cert->publicKey().samePublicKey(key));
            return;
        }
        QCOMPARE(r.body, "requestCertificate: the CSR key's public exponent is " + shown
                             + "; only an odd exponent from 3 to 4294967295 is accepted (re6st-conf uses 65537)");
        QCOMPARE(f.get("/isToken?token=t0").body, QByteArray("1"));
        QVERIFY(f.issuing().isEmpty());
        QCOMPARE(f.get("/getNodePrefix?email=e0%40example.com").status, 204);

        // The same token with the usual key: the first prefix, serial and subject serial.
        r = f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(base)));
        QCOMPARE(r.status, 200);
        const auto cert = crypto::Certificate::fromPem(r.body);
        QVERIFY(cert);
        QCOMPARE(cert->commonName(), QString("0/16"));
        QCOMPARE(cert->serialDecimal(), QByteArray("1"));
        QCOMPARE(crypto::subjectValue(cert->subject(), "serialNumber"), QString("0"));
        QCOMPARE(f.get("/isToken?token=t0").status, 204);
    }

    // A CSR naming two CNs (or serialNumbers): upstream replaced only the first,
    // so the certificate's first CN, the one most readers take, was the
    // requester's choice — another node's (audit, high). Every one is replaced.
    void duplicateIdentityAttributesReplaced()
    {
        Fixture f(baseOptions());
        QCOMPARE(f.get("/addToken?email=a&token=t0").status, 204);
        QCOMPARE(f.get("/addToken?email=b&token=t1").status, 204);
        QCOMPARE(f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key")))).status, 200);
        const auto key1 = vectorKey("node-1-16.key");
        const auto req = crypto::CertificateRequest::create(
            {{"serialNumber", "junk"}, {"serialNumber", "0"}, {"O", "test"}, {"CN", "junk"}, {"CN", "0/16"}}, key1);
        QVERIFY(req);
        const HttpResponse r = f.get("/requestCertificate?token=t1&req=" + Fixture::q(req->toPem()));
        QCOMPARE(r.status, 200);
        const auto cert = crypto::Certificate::fromPem(r.body);
        QVERIFY(cert);
        QCOMPARE(cert->subject(), (crypto::Subject{{"O", "test"}, {"serialNumber", "1"}, {"CN", "1/16"}}));
        QCOMPARE(cert->commonName(), QStringLiteral("1/16"));

        // One issued that way before (here or by upstream) is renewed with the registry's own.
        Fixture g(baseOptions());
        const auto forged = crypto::Certificate::issue(
            *crypto::Certificate::fromPem(readVector("crypto/ca.crt")), vectorKey("ca.key"), 5,
            {{"serialNumber", "0"}, {"CN", "0/16"}, {"O", "test"}, {"serialNumber", "1"}, {"CN", "1/16"}}, key1,
            g.clock - 86400, g.clock + 10 * 86400); // due for renewal (§8.1)
        QVERIFY(forged);
        QVERIFY(forged->commonName().isNull());
        g.store.setRow({"0000000000000001", QStringLiteral("b"), forged->toPem()});
        HmacRatchet ratchet(g.hello("0000000000000001", key1));
        QVERIFY(!ratchet.isNull());
        const HttpResponse renewed = g.signedGet(ratchet, "/renewCertificate?cn=0000000000000001");
        QCOMPARE(renewed.status, 200);
        const auto again = crypto::Certificate::fromPem(renewed.body);
        QVERIFY(again);
        QCOMPARE(again->subject(), (crypto::Subject{{"O", "test"}, {"serialNumber", "1"}, {"CN", "1/16"}}));
        QVERIFY(again->isSignedBy(vectorKey("ca.key")));
    }

    // Third parties' hellos used to replace the secret a node had just been
    // sent, so a steady flood of them kept it from authenticating (audit).
    void helloFloodFromOtherOriginsKeepsANodesSecret()
    {
        Fixture f(baseOptions(), vectors() + "/registry-db/registry.db");
        const auto node = vectorKey("node-1-16.key");
        const QByteArray prefix = "0000000000000001";
        const QByteArray established = f.hello(prefix, node); // the first entry (kept by §5.2 anyway)
        const QHostAddress nodeAddress(QStringLiteral("2001:db8:1:2::7"));
        const QByteArray mine = f.hello(prefix, node, 10, nodeAddress);
        // 15 other origins (distinct /64s), each many times: the node's secret stays.
        for (int round = 0; round < 3; ++round)
            for (int i = 0; i < SessionTable::MaxPending - 1; ++i)
                f.hello(prefix, node, 10, QHostAddress(QStringLiteral("2001:db8:ff:%1::%2").arg(i).arg(round + 1)));
        QCOMPARE(f.service->sessions().entries(prefix).size(), 1 + SessionTable::MaxPending);
        HmacRatchet ratchet(mine);
        HttpResponse r = f.signedGet(ratchet, "/getNetworkConfig?cn=" + prefix, nodeAddress);
        QCOMPARE(r.status, 200);
        QVERIFY(ratchet.verifyResponse(r.body, Fixture::hmacHeader(r)));
        QCOMPARE(f.service->sessions().entries(prefix).size(), 1);
        Q_UNUSED(established);
        // The node's own new hello replaces its previous one (same /64).
        const QByteArray first = f.hello(prefix, node, 10, nodeAddress);
        const QByteArray second = f.hello(prefix, node, 10, QHostAddress(QStringLiteral("2001:db8:1:2::8")));
        QCOMPARE(f.service->sessions().entries(prefix).size(), 2);
        QCOMPARE(f.service->sessions().entries(prefix).last().secret, second);
        Q_UNUSED(first);
        // A flood from one network (many /64s of a /48, many addresses of an
        // IPv4 /24) evicts only its own secrets: the node's stays.
        const auto holds = [&](const QByteArray &secret) {
            const auto entries = f.service->sessions().entries(prefix);
            return std::any_of(entries.cbegin(), entries.cend(), [&](const auto &e) { return e.secret == secret; });
        };
        for (int i = 0; i < 4 * SessionTable::MaxPending; ++i) {
            f.hello(prefix, node, 10, QHostAddress(QStringLiteral("2001:db8:ff:%1::1").arg(i, 0, 16)));
            f.hello(prefix, node, 10, QHostAddress(QStringLiteral("198.51.100.%1").arg(i + 1)));
        }
        QCOMPARE(f.service->sessions().entries(prefix).size(), 1 + SessionTable::MaxPending);
        QVERIFY(holds(second));
        // Beyond MaxPending networks each holding one, a pending secret goes,
        // but not one of the site the node authenticated from (its /48).
        for (int i = 0; i < SessionTable::MaxPending; ++i)
            f.hello(prefix, node, 10, QHostAddress(QStringLiteral("2001:db8:%1::1").arg(0x100 + i, 0, 16)));
        QCOMPARE(f.service->sessions().entries(prefix).size(), 1 + SessionTable::MaxPending);
        QVERIFY(holds(second));
        HmacRatchet again(second);
        QCOMPARE(f.signedGet(again, "/getNetworkConfig?cn=" + prefix, nodeAddress).status, 200);

        // A prefix that never authenticated has no such site: there the
        // oldest pending secret goes.
        const QByteArray other = "0000000000000000";
        const auto otherKey = vectorKey("node-0-16.key");
        f.hello(other, otherKey); // the first entry (kept by §5.2)
        const QByteArray theirs = f.hello(other, otherKey, 10, nodeAddress);
        for (int i = 0; i < SessionTable::MaxPending; ++i)
            f.hello(other, otherKey, 10, QHostAddress(QStringLiteral("2001:db8:%1::1").arg(0x200 + i, 0, 16)));
        const auto entries = f.service->sessions().entries(other);
        QCOMPARE(entries.size(), 1 + SessionTable::MaxPending);
        QVERIFY(std::none_of(entries.cbegin(), entries.cend(), [&](const auto &e) { return e.secret == theirs; }));
    }

    // Pending secrets unused for a minute go (the expiry timer, or the next
    // hello for the prefix); established sessions stay.
    void pendingSecretsExpire()
    {
        Fixture f(baseOptions(), vectors() + "/registry-db/registry.db");
        const auto key0 = vectorKey("node-0-16.key"), key1 = vectorKey("node-1-16.key");
        const QByteArray p0 = "0000000000000000", p1 = "0000000000000001";
        HmacRatchet ratchet(f.hello(p1, key1));
        QCOMPARE(f.signedGet(ratchet, "/getNetworkConfig?cn=" + p1).status, 200); // established
        for (int i = 0; i < 3; ++i) {
            const QHostAddress from(QStringLiteral("2001:db8:%1::1").arg(i + 1));
            QVERIFY(!f.hello(p1, key1, 10, from).isEmpty());
            QVERIFY(!f.hello(p0, key0, 10, from).isEmpty());
        }
        SessionTable &sessions = f.service->sessions();
        QCOMPARE(sessions.entries(p1).size(), 4);
        QCOMPARE(sessions.entries(p0).size(), 3);
        f.clock += SessionTable::PendingLifetime - 1;
        QCOMPARE(sessions.expire(f.clock), 0);
        f.clock += 1;
        // The next hello for a prefix drops its expired secrets first.
        const QByteArray fresh = f.hello(p0, key0, 10, QHostAddress(QStringLiteral("2001:db8:9::1")));
        QCOMPARE(sessions.entries(p0).size(), 1);
        QCOMPARE(sessions.entries(p0).first().secret, fresh);
        QCOMPARE(sessions.expire(f.clock), 3); // p1's three
        QCOMPARE(sessions.entries(p1).size(), 1);
        QVERIFY(sessions.entries(p1).first().established);
        QCOMPARE(f.signedGet(ratchet, "/getNetworkConfig?cn=" + p1).status, 200);
        f.clock += SessionTable::PendingLifetime;
        QCOMPARE(sessions.expire(f.clock), 1); // p0's fresh one: the session goes
        QVERIFY(!sessions.contains(p0));
        QCOMPARE(sessions.sessionCount(), 1);
        QCOMPARE(f.get("/getNetworkConfig?cn=" + p0).status, 401);

        // authenticate checks the age itself, whenever the sweep runs: a
        // secret is good for PendingLifetime seconds, not a second more.
        HmacRatchet late(f.hello(p0, key0));
        f.clock += SessionTable::PendingLifetime;
        QCOMPARE(f.signedGet(late, "/getNetworkConfig?cn=" + p0).status, 401);
        QVERIFY(!sessions.contains(p0));
        HmacRatchet inTime(f.hello(p0, key0));
        f.clock += SessionTable::PendingLifetime - 1;
        QCOMPARE(f.signedGet(inTime, "/getNetworkConfig?cn=" + p0).status, 200);
        QVERIFY(sessions.entries(p0).first().established);
    }

    // Each hello costs a CA signature: bounded per origin, not for authorized ones.
    void helloRateLimitedPerOrigin()
    {
        Fixture f(baseOptions(), vectors() + "/registry-db/registry.db");
        const QByteArray target = "/hello?client_prefix=0000000000000001&protocol=10";
        const QHostAddress a(QStringLiteral("2001:db8:5:6::1")), sameNet(QStringLiteral("2001:db8:5:6::2"));
        for (int i = 0; i < RegistryService::HelloBurst; ++i) QCOMPARE(f.get(target, {}, i % 2 ? a : sameNet).status, 200);
        HttpResponse r = f.get(target, {}, a);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.body, QByteArray("hello: more than 10 a second from your network; retry in a few seconds"));
        QCOMPARE(f.get(target, {}, QHostAddress(QStringLiteral("2001:db8:5:7::1"))).status, 200); // another /64
        for (int i = 0; i < 100; ++i) QCOMPARE(f.get(target).status, 200);                 // loopback: trusted
        // ...and per site (/48 or IPv4 /24), whatever its /64s.
        const auto fromSite = [&](int i) {
            return f.get(target, {}, QHostAddress(QStringLiteral("2001:db8:6:%1::1").arg(i, 0, 16)));
        };
        for (int i = 0; i < RegistryService::HelloSiteBurst; ++i) QCOMPARE(fromSite(i).status, 200);
        r = fromSite(RegistryService::HelloSiteBurst);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.body, QByteArray("hello: more than 30 a second from your site (/48, IPv4 /24, or node); retry in a "
                                    "few seconds"));
        QCOMPARE(f.get(target, {}, QHostAddress(QStringLiteral("2001:db8:7::1"))).status, 200); // another /48
        // The nodes of the network share its prefix but are sites of their own.
        for (int i = 0; i < RegistryService::HelloSiteBurst + 10; ++i) {
            const QByteArray subnet = QByteArray::number(i, 2).rightJustified(16, '0');
            const auto node = addressing::ipv6FromBits(f.service->network() + subnet, true);
            QVERIFY(node);
            QCOMPARE(f.get(target, {}, QHostAddress(*node)).status, 200);
        }
        f.clock += 1;
        for (int i = 0; i < RegistryService::HelloPerSecond; ++i) QCOMPARE(f.get(target, {}, a).status, 200);
        QCOMPARE(f.get(target, {}, a).status, 503);
    }

    // Anyone can make the registry refuse a request: the lines it logs for
    // that are rate-limited, and a header value in them is cut short.
    void refusalLinesAreRateLimited()
    {
        Fixture f(baseOptions());
        static QStringList lines;
        lines.clear();
        const QtMessageHandler previous = qInstallMessageHandler(
            [](QtMsgType type, const QMessageLogContext &, const QString &m) { if (type != QtDebugMsg) lines << m; });
        const QHostAddress outsider(QStringLiteral("2001:db8:99::1"));
        for (int i = 0; i < 100; ++i)
            QCOMPARE(f.get("/isToken?token=x", {{"X-Forwarded-For", QByteArray(5000, 'A') + "\nforged"}}, outsider).status,
                     403);
        for (int i = 0; i < 100; ++i) QCOMPARE(f.get("/requestCertificate?token=&req=garbage").status, 403);
        f.clock += RegistryService::LogIntervalSeconds;
        QCOMPARE(f.get("/isToken?token=x", {}, outsider).status, 403);
        qInstallMessageHandler(previous);
        QCOMPARE(lines.size(), 3);
        QVERIFY2(lines[0].startsWith(QLatin1String("private method isToken refused to 2001:db8:99::1 (X-Forwarded-For AAAA")),
                 qPrintable(lines[0]));
        QVERIFY2(lines[0].size() < 400 && !lines[0].contains(u'\n'), qPrintable(lines[0]));
        QVERIFY2(lines[1].startsWith(QLatin1String("requestCertificate: anonymous registration disabled")), qPrintable(lines[1]));
        QVERIFY2(lines[2].endsWith(QLatin1String("[99 more such lines, not logged]")), qPrintable(lines[2]));
    }

    void anonymousAndTokenPolicy()
    {
        RegistryOptions o = baseOptions();
        o.anonymousPrefixLength = 24;
        o.prefixLength = 0;
        Fixture f(o);
        const auto key = vectorKey("anon-1536-24.key");
        HttpResponse r = f.get("/requestCertificate?token=&req=" + Fixture::q(f.csr(key)));
        QCOMPARE(r.status, 200);
        QCOMPARE(crypto::Certificate::fromPem(r.body)->commonName(), QString("0/24"));
        QVERIFY(f.store.row(QByteArray(24, '0'))->email.isNull());
        QCOMPARE(f.get("/requestCertificate?token=abc&req=" + Fixture::q(f.csr(key))).status, 403);
        QCOMPARE(f.get("/addToken?email=a&token=b").status, 403);
        QCOMPARE(f.get("/requestToken?email=a").status, 403);
    }

    void requestTokenMbox()
    {
        RegistryOptions o = baseOptions();
        QTemporaryDir dir;
        o.mailhost = dir.filePath("mbox");
        Fixture f(o);
        QCOMPARE(f.get("/requestToken?email=pending%40example.com").status, 204);
        QFile mbox(o.mailhost);
        QVERIFY(mbox.open(QIODevice::ReadOnly));
        const QByteArray mail = mbox.readAll();
        const QByteArray vector = readVector("registry-db/token-mail.mbox");
        // Same text except the date and the token.
        const qsizetype at = mail.indexOf("is: ");
        QVERIFY(at > 0);
        const QByteArray token = mail.mid(at + 4, 8);
        QCOMPARE(mail.mid(mail.indexOf('\n')), QByteArray(vector.mid(vector.indexOf('\n'))).replace("xlahurbj", token));
        QVERIFY(mail.startsWith("From MAILER-DAEMON "));
        QCOMPARE(QSet<char>(token.cbegin(), token.cend()).size(), 8); // distinct letters
        QCOMPARE(f.get("/isToken?token=" + token).body, QByteArray("1"));
        QCOMPARE(f.store.token(QString::fromLatin1(token))->prefixLen, 16);
        // No mailhost → 403.
        Fixture g(baseOptions());
        QCOMPARE(g.get("/requestToken?email=x").status, 403);
    }

    // Not checked upstream (§6.2 "no email validation"): a line break in the
    // address went into the SMTP envelope and the To: header.
    void requestTokenRefusesBadAddresses()
    {
        RegistryOptions o = baseOptions();
        QTemporaryDir dir;
        o.mailhost = dir.filePath("mbox");
        Fixture f(o);
        for (const char *bad : {"a%40example.org%3E%0D%0ARCPT%20TO%3A%3Cvictim%40example.net", // SMTP command
                                "b%40example.org%0ABcc%3A%20x%40example.net",                    // header
                                "nobody", "a%40b%40c", "%40example.org", "a%40", "a%40.example", "a%20b%40c",
                                "%3Ca%40b%3E", "a%40b%2Cc%40d", ""}) {
            const HttpResponse r = f.get(QByteArray("/requestToken?email=") + bad);
            QCOMPARE(r.status, 400);
            QVERIFY2(r.body.startsWith("requestToken: invalid email address: "), r.body.constData());
        }
        const HttpResponse r = f.get("/requestToken?email=a%40b%0D%0Ac");
        QCOMPARE(r.body, QByteArray("requestToken: invalid email address: it contains the control character U+000D; "
                                    "give the address alone"));
        QCOMPARE(f.store.tokenCount(), 0); // nothing made, nothing mailed
        QVERIFY(!QFile::exists(o.mailhost));
        QCOMPARE(f.get("/requestToken?email=n1%2Btag%40sub.example.org").status, 204);
        QCOMPARE(f.store.tokenCount(), 1);
    }

    // One token mail a minute per address, at most 10 unused a day.
    void requestTokenIsRateLimitedPerAddress()
    {
        RegistryOptions o = baseOptions();
        QTemporaryDir dir;
        o.mailhost = dir.filePath("mbox");
        Fixture f(o);
        QCOMPARE(f.get("/requestToken?email=a%40example.org").status, 204);
        f.clock += 20;
        HttpResponse r = f.get("/requestToken?email=a%40example.org");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, QByteArray("requestToken: a token was mailed to a@example.org 20 s ago; use it, or ask again "
                                    "in 40 s"));
        QCOMPARE(f.get("/requestToken?email=b%40example.org").status, 204); // another address
        QCOMPARE(f.store.tokenCount(), 2);
        for (int i = 1; i < RegistryService::TokenMailsPerDay; ++i) {
            f.clock += RegistryService::TokenMailInterval;
            QCOMPARE(f.get("/requestToken?email=a%40example.org").status, 204);
        }
        f.clock += RegistryService::TokenMailInterval;
        r = f.get("/requestToken?email=a%40example.org");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, QByteArray("requestToken: 10 unused tokens were mailed to a@example.org in the last 24 hours; "
                                    "use one of them, or ask the registry administrator"));
        // A used token no longer counts.
        const QString used = f.store.tokens().last().token;
        QCOMPARE(used.size(), 8);
        QCOMPARE(f.get("/deleteToken?token=" + used.toLatin1()).status, 204);
        QCOMPARE(f.get("/requestToken?email=a%40example.org").status, 204);
        // A day later, the old ones no longer count either.
        f.clock += 86400;
        QCOMPARE(f.get("/requestToken?email=a%40example.org").status, 204);
        QCOMPARE(f.store.tokenCount(), 12);
    }

    // A token whose mail failed stays valid (§18.13), but the address may ask
    // again at once: the minute counts from the latest token really mailed.
    void requestTokenAfterFailedMail()
    {
        RegistryOptions o = baseOptions();
        QTemporaryDir dir;
        o.mailhost = dir.filePath("not-yet/mbox"); // appending fails until the folder exists
        Fixture f(o);
        HttpResponse r = f.get("/requestToken?email=a%40example.org");
        QCOMPARE(r.status, 500);
        QCOMPARE(f.store.tokenCount(), 1);
        f.clock += 5;
        QCOMPARE(f.get("/requestToken?email=a%40example.org").status, 500);
        QCOMPARE(f.store.tokenCount(), 2);
        QVERIFY(QDir(dir.path()).mkdir("not-yet"));
        f.clock += 5;
        QCOMPARE(f.get("/requestToken?email=a%40example.org").status, 204);
        f.clock += 5;
        r = f.get("/requestToken?email=a%40example.org");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, QByteArray("requestToken: a token was mailed to a@example.org 5 s ago; use it, or ask again "
                                    "in 55 s"));
        QCOMPARE(f.store.tokenCount(), 3);
    }

    // ...and per requester, whatever the addresses (authorized origins apart).
    void requestTokenIsRateLimitedPerRequester()
    {
        RegistryOptions o = baseOptions();
        QTemporaryDir dir;
        o.mailhost = dir.filePath("mbox");
        Fixture f(o);
        const QHostAddress requester(QStringLiteral("2001:db8:7:8::1")), sameNet(QStringLiteral("2001:db8:7:8::2"));
        const auto ask = [&](int n, const QHostAddress &from) {
            return f.get("/requestToken?email=n" + QByteArray::number(n) + "%40example.org", {}, from);
        };
        for (int i = 0; i < RegistryService::TokenMailBurst; ++i) QCOMPARE(ask(i, i % 2 ? requester : sameNet).status, 204);
        HttpResponse r = ask(100, requester);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, QByteArray("requestToken: 20 token mails were asked from your network lately; ask again in 60 s"));
        f.clock += 45;
        QCOMPARE(ask(100, sameNet).body,
                 QByteArray("requestToken: 20 token mails were asked from your network lately; ask again in 15 s"));
        QCOMPARE(ask(101, QHostAddress(QStringLiteral("2001:db8:7:9::1"))).status, 204); // another /64
        QCOMPARE(ask(102, QHostAddress(QStringLiteral("192.0.2.1"))).status, 204);
        QCOMPARE(ask(103, QHostAddress::LocalHost).status, 204); // authorized: not counted
        f.clock += 15;
        QCOMPARE(ask(100, requester).status, 204); // one a minute
        QCOMPARE(ask(104, requester).status, 403);
        QCOMPARE(f.store.tokenCount(), RegistryService::TokenMailBurst + 4);
    }

    void renewAndRevoke()
    {
        Fixture f(baseOptions());
        f.get("/addToken?email=a&token=t0");
        f.get("/addToken?email=b&token=t1");
        const auto key0 = vectorKey("node-0-16.key");
        const auto key1 = vectorKey("node-1-16.key");
        const QByteArray pem0 = f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(key0))).body;
        const QByteArray pem1 = f.get("/requestCertificate?token=t1&req=" + Fixture::q(f.csr(key1))).body;
        const auto cert1 = crypto::Certificate::fromPem(pem1);
        QVERIFY(cert1);

        // Not due: same PEM.
        HmacRatchet ratchet(f.hello("0000000000000001", key1));
        HttpResponse r = f.signedGet(ratchet, "/renewCertificate?cn=0000000000000001");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, pem1);
        // Within RENEW_PERIOD of notAfter: re-issued, new serial, fresh validity.
        f.clock = cert1->notAfter() - RegistryService::RenewPeriod + 10;
        r = f.signedGet(ratchet, "/renewCertificate?cn=0000000000000001");
        QCOMPARE(r.status, 200);
        auto renewed = crypto::Certificate::fromPem(r.body);
        QCOMPARE(renewed->serialDecimal(), QByteArray("3"));
        QCOMPARE(renewed->notAfter(), f.clock + RegistryService::CertDuration);
        QCOMPARE(renewed->subject(), cert1->subject());
        QCOMPARE(f.store.row("0000000000000001")->cert, r.body);
        f.clock = kNow;

        // Revoke by serial: stays stored, goes into the CRL, version bumped.
        const auto before = networkversion::counter(f.store.configBlob("version"));
        QCOMPARE(f.get("/revoke?cn_or_serial=3").status, 204);
        QCOMPARE(f.store.crlSerials(), QList<qint64>{3});
        QCOMPARE(networkversion::counter(f.store.configBlob("version")), *before + 1);
        QVERIFY(f.store.row("0000000000000001")->isAllocated());
        QCOMPARE(f.get("/revoke?cn_or_serial=3").status, 500);  // already in the CRL
        QCOMPARE(f.get("/revoke?cn_or_serial=99").status, 500); // unknown serial
        // Revoked → renewal re-issues with the same notAfter.
        r = f.signedGet(ratchet, "/renewCertificate?cn=0000000000000001");
        QCOMPARE(r.status, 200);
        QCOMPARE(crypto::Certificate::fromPem(r.body)->serialDecimal(), QByteArray("4"));
        QCOMPARE(crypto::Certificate::fromPem(r.body)->notAfter(), renewed->notAfter());

        // Revoke by CN: prefix freed, session dropped.
        QCOMPARE(f.get("/revoke?cn_or_serial=1/16").status, 204);
        QVERIFY(f.store.row("0000000000000001")->isFree());
        QVERIFY(!f.service->sessions().contains("0000000000000001"));
        QCOMPARE(f.store.crlSerials(), (QList<qint64>{3, 4}));
        QCOMPARE(f.get("/revoke?cn_or_serial=1/16").status, 404);
        QCOMPARE(f.get("/hello?client_prefix=0000000000000001").status, 404);
        Q_UNUSED(pem0);
    }

    void updateHmacRotation()
    {
        Fixture f(baseOptions());
        // Fresh DB: babel_hmac0 drawn at start → "normal" state.
        const QByteArray k1 = f.store.configBlob("babel_hmac0");
        QCOMPARE(k1.size(), 16);
        const auto v0 = networkversion::counter(f.store.configBlob("version").isEmpty() ? QByteArray(1, 0) : f.store.configBlob("version"));
        QCOMPARE(f.get("/updateHMAC").status, 204);
        BabelHmacKeys keys = f.service->babelHmacKeys();
        QCOMPARE(keys.h0, k1);
        QVERIFY(keys.h1 && keys.h1->size() == 16);
        QVERIFY(!keys.h2);
        QCOMPARE(f.store.config("valid_until").toDouble(), double(kNow + 3600));
        const QByteArray k2 = *keys.h1;
        QCOMPARE(f.get("/updateHMAC").status, 204);
        keys = f.service->babelHmacKeys();
        QVERIFY(!keys.h0);
        QCOMPARE(keys.h1, k2);
        QCOMPARE(keys.h2, k1);
        QVERIFY(!f.store.hasConfig("valid_until"));
        QCOMPARE(f.get("/updateHMAC").status, 204);
        keys = f.service->babelHmacKeys();
        QCOMPARE(keys.h0, k2);
        QVERIFY(!keys.h1 && !keys.h2);
        QCOMPARE(networkversion::counter(f.store.configBlob("version")), *v0 + 3);
        // From "no HMAC yet": (–, N, "") → accept unsigned packets, sent as "" (§9.1 / §18.3).
        f.store.removeConfig("babel_hmac0");
        QCOMPARE(f.get("/updateHMAC").status, 204);
        keys = f.service->babelHmacKeys();
        QVERIFY(!keys.h0);
        QVERIFY(keys.h1 && keys.h1->size() == 16);
        QVERIFY(keys.h2 && keys.h2->isEmpty());
        f.get("/addToken?email=a&token=t0");
        const auto key0 = vectorKey("node-0-16.key");
        QCOMPARE(f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(key0))).status, 200);
        HmacRatchet ratchet(f.hello("0000000000000000", key0));
        const HttpResponse r = f.signedGet(ratchet, "/getNetworkConfig?cn=0000000000000000");
        QCOMPARE(r.status, 200);
        QString error;
        const auto config = NetworkConfig::decode(r.body, key0, vectorKey("ca.key"), &error);
        QVERIFY2(config, qPrintable(error));
        QCOMPARE(config->values.value("babel_hmac_sign").toByteArray(), *keys.h1);
        QVERIFY(config->values.contains("babel_hmac_accept"));
        QVERIFY(config->values.value("babel_hmac_accept").toByteArray().isEmpty());
    }

    // requestCertificate calls arriving together are issued as one batch
    // (registry/RegistryIssuance.cpp): each one's failure stays its own.
    void batchOfRequests()
    {
        Fixture f(baseOptions());
        for (int i = 0; i < 5; ++i)
            QCOMPARE(f.get("/addToken?email=e" + QByteArray::number(i) + "&token=t" + QByteArray::number(i)).status, 204);
        QCOMPARE(f.store.insertToken({QStringLiteral("wide0"), QStringLiteral("w0"), 1, kNow}), RegistryStore::Change::Made);
        QCOMPARE(f.store.insertToken({QStringLiteral("wide1"), QStringLiteral("w1"), 1, kNow}), RegistryStore::Change::Made);
        const auto key0 = vectorKey("node-0-16.key");
        const auto key1 = vectorKey("node-1-16.key");
        const auto small = crypto::RsaKey::generate(1024);
        QVERIFY(small);
        const auto req = [&f](const char *token, const crypto::RsaKey &key) {
            return "/requestCertificate?token=" + QByteArray(token) + "&req=" + Fixture::q(f.csr(key));
        };
        const QList<HttpResponse> r = f.getAll({
            req("t0", key0),                              // 0: the registry's own prefix
            "/requestCertificate?token=t1&req=garbage",   // 1: bad CSR, token kept
            req("t2", key1),                              // 2
            req("t2", key1),                              // 3: same token again: 204
            req("t3", *small),                            // 4: wrong key size, token kept
            req("t4", key0),                              // 5
            req("wide0", key1),                           // 6: a /1 prefix
            req("wide1", key1),                           // 7: no /1 left: 500, token kept
        });
        const QList<int> expected = {200, 500, 200, 204, 500, 200, 200, 500};
        for (int i = 0; i < expected.size(); ++i)
            QVERIFY2(r[i].status == expected[i], qPrintable(QStringLiteral("request %1: %2 %3").arg(i).arg(r[i].status).arg(QString::fromUtf8(r[i].body))));
        for (const char *kept : {"t1", "t3", "wide1"})
            QCOMPARE(f.get("/isToken?token=" + QByteArray(kept)).body, QByteArray("1"));
        for (const char *used : {"t0", "t2", "t4", "wide0"})
            QCOMPARE(f.get("/isToken?token=" + QByteArray(used)).status, 204);
        QSet<QString> cns;
        QSet<QByteArray> serials;
        QSet<QString> subjectSerials;
        const QList<std::pair<int, QString>> issued = {{0, "e0"}, {2, "e2"}, {5, "e4"}, {6, "w0"}};
        for (const auto &[i, email] : issued) {
            const auto cert = crypto::Certificate::fromPem(r[i].body);
            QVERIFY(cert && cert->isSignedBy(vectorKey("ca.key")));
            cns.insert(cert->commonName());
            serials.insert(cert->serialDecimal());
            subjectSerials.insert(crypto::subjectValue(cert->subject(), "serialNumber"));
            const auto row = f.store.row(*addressing::bitsFromCn(cert->commonName()));
            QVERIFY(row);
            QCOMPARE(row->email, email);
            QCOMPARE(row->cert, r[i].body);
            // The index entry written at issuance is what reading the certificate gives.
            const auto indexed = f.service->certificateIndex().entry(row->prefix);
            const auto read = CertificateIndex::entryFromPem(r[i].body);
            QVERIFY(indexed && read);
            QCOMPARE(indexed->notAfter, read->notAfter);
            QCOMPARE(indexed->serial, read->serial);
            QCOMPARE(indexed->subjectSerial, read->subjectSerial);
        }
        QCOMPARE(cns, (QSet<QString>{"0/16", "1/16", "2/16", "1/1"}));
        QCOMPARE(serials, (QSet<QByteArray>{"1", "2", "3", "4"}));
        QCOMPARE(subjectSerials, (QSet<QString>{"0", "1", "2", "3"}));
        QCOMPARE(f.store.config("serial").toLongLong(), 4);
        QCOMPARE(f.store.configBlob("prefix"), QByteArray("0000000000000000"));
        QCOMPARE(f.service->counters().certificatesRequested, quint64(4));
        QCOMPARE(f.service->certificateIndex().freeSubjectSerial(), 4);
        // No row is left 'reserved' by the batch.
        for (const auto &row : f.store.rows()) QVERIFY2(!row.isReserved(), row.prefix.constData());
    }

    // Worker threads sign while the event loop reserves the next batch: a
    // batch arriving meanwhile gets its own prefixes and serials, and a token
    // held by the batch in flight is not given twice.
    void pipelinedBatches()
    {
        QSemaphore gate; // declared first: a failing check opens it before f waits for the workers
        Fixture f(baseOptions());
        const auto open = qScopeGuard([&gate] { gate.release(100); });
        for (int i = 0; i < 3; ++i)
            QCOMPARE(f.get("/addToken?email=e" + QByteArray::number(i) + "&token=t" + QByteArray::number(i)).status, 204);
        const QByteArray csr0 = Fixture::q(f.csr(vectorKey("node-0-16.key")));
        const QByteArray csr1 = Fixture::q(f.csr(vectorKey("node-1-16.key")));
        // Both batches stay in flight (blocked before signing) until batch 2 is
        // reserved: one pool thread each, and one more for batch 2's CSRs.
        QThreadPool::globalInstance()->setMaxThreadCount(std::max(3, QThreadPool::globalInstance()->maxThreadCount()));
        f.service->setSigningHook([&gate](quint64) {
            gate.acquire();
            gate.release();
        });
        std::optional<HttpResponse> a, b, c;
        f.send("/requestCertificate?token=t0&req=" + csr0, &a);
        QVERIFY(Fixture::waitUntil([&f] { return f.issuing().size() == 1; }));
        // Batch 1 reserved: its row held (no email yet), its token not deleted yet.
        const QByteArray first = f.issuing().constFirst();
        QVERIFY(f.store.row(first)->isReserved());
        QVERIFY(f.store.row(first)->email.isNull());
        QVERIFY(f.store.token(QStringLiteral("t0")));
        QVERIFY(!f.store.prefixForEmail(QStringLiteral("e0")));
        f.send("/requestCertificate?token=t1&req=" + csr1, &b);
        f.send("/requestCertificate?token=t0&req=" + csr1, &c); // t0 is held by batch 1
        QVERIFY(Fixture::waitUntil([&] { return f.issuing().size() == 2 && c; }));
        QCOMPARE(c->status, 204);
        QVERIFY(!a && !b);
        gate.release();
        QVERIFY(Fixture::waitUntil([&] { return a && b; }));
        QVERIFY2(a->status == 200 && b->status == 200, a->body.constData());
        const auto certA = crypto::Certificate::fromPem(a->body);
        const auto certB = crypto::Certificate::fromPem(b->body);
        QVERIFY(certA && certB);
        QCOMPARE(certA->commonName(), QStringLiteral("0/16"));
        QCOMPARE(certB->commonName(), QStringLiteral("1/16"));
        QCOMPARE(certA->serialDecimal(), QByteArray("1"));
        QCOMPARE(certB->serialDecimal(), QByteArray("2"));
        QCOMPARE(crypto::subjectValue(certA->subject(), "serialNumber"), QStringLiteral("0"));
        QCOMPARE(crypto::subjectValue(certB->subject(), "serialNumber"), QStringLiteral("1"));
        // The registry's own prefix: the first certificate stored (either batch).
        const QByteArray registryPrefix = f.store.configBlob("prefix");
        QVERIFY2(registryPrefix == "0000000000000000" || registryPrefix == "0000000000000001", registryPrefix.constData());
        QCOMPARE(f.store.row(first)->email, QStringLiteral("e0"));
        QVERIFY(f.issuing().isEmpty());
        QVERIFY(!f.store.hasConfig(QStringLiteral("issuing")));
        QCOMPARE(f.store.tokenCount(), 1); // t2
        for (const auto &row : f.store.rows()) QVERIFY2(!row.isReserved(), row.prefix.constData());
    }

    // A token deleted while its certificate is being signed: 204, nothing
    // stored, the prefix free again.
    void tokenDeletedWhileSigning()
    {
        HeldIssue held;
        QVERIFY(!held.prefix.isEmpty());
        Fixture &f = held.f;
        QCOMPARE(f.get("/deleteToken?token=t0").status, 204);
        held.release.release();
        QVERIFY(Fixture::waitUntil([&held] { return held.answer.has_value(); }));
        QCOMPARE(held.answer->status, 204);
        QVERIFY(f.store.row(held.prefix)->isFree());
        QVERIFY(!f.store.hasConfig(QStringLiteral("issuing")));
        QVERIFY(!f.store.hasConfig(QStringLiteral("prefix")));
        QCOMPARE(f.service->counters().certificatesRequested, quint64(0));
        // The next request is the registry's own, with the same prefix.
        f.service->setSigningHook({});
        QCOMPARE(f.get("/addToken?email=e1&token=t1").status, 204);
        const HttpResponse r = f.get("/requestCertificate?token=t1&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key"))));
        QCOMPARE(r.status, 200);
        QCOMPARE(f.store.configBlob("prefix"), held.prefix);
    }

    // A stop (SIGTERM) waits for whenIssuanceIdle: the request being signed
    // is answered and stored first.
    void stopWaitsForIssuanceInFlight()
    {
        HeldIssue held;
        QVERIFY(!held.prefix.isEmpty());
        Fixture &f = held.f;
        bool idle = false;
        f.service->whenIssuanceIdle([&idle] { idle = true; });
        QVERIFY(!idle);
        QCoreApplication::processEvents();
        QVERIFY(!idle);
        held.release.release();
        QVERIFY(Fixture::waitUntil([&idle] { return idle; }));
        QVERIFY(held.answer.has_value());
        QCOMPARE(held.answer->status, 200);
        QCOMPARE(f.store.row(held.prefix)->cert, held.answer->body);
        // Nothing in flight: at once.
        bool again = false;
        f.service->whenIssuanceIdle([&again] { again = true; });
        QVERIFY(again);
    }

    // The store phase commits without waiting for its fdatasync (Durability::
    // Grouped): its answer, and any answer given after it, leave only once the
    // commit is on disk (§18.7); a stop waits for them too.
    void answersWaitForTheDisk()
    {
        QSemaphore disk; // outlives f, whose store joins the sync thread
        Fixture f(baseOptions());
        QCOMPARE(f.get("/addToken?email=e0&token=t0").status, 204);
        f.store.setWalSyncHook([&disk] { disk.acquire(); });
        const auto unblock = qScopeGuard([&disk] { disk.release(100); }); // also when a check fails
        std::optional<HttpResponse> issued, ca;
        f.send("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key"))), &issued);
        QVERIFY(Fixture::waitUntil([&f] { return !f.store.token(QStringLiteral("t0")); })); // stored: committed
        QVERIFY(!f.store.isDurable());
        f.send("/getCa", &ca);
        bool idle = false;
        f.service->whenIssuanceIdle([&idle] { idle = true; });
        QCoreApplication::processEvents();
        QVERIFY(!issued && !ca && !idle);
        disk.release(100);
        QVERIFY(Fixture::waitUntil([&] { return issued && ca && idle; }));
        QCOMPARE(issued->status, 200);
        QCOMPARE(ca->status, 200);
        QVERIFY(f.store.isDurable());
        f.store.setWalSyncHook({});
    }

    // The registry dies between the reserve and store phases: the next start
    // frees the reserved prefix, and the token is still valid.
    void interruptedIssuanceIsRecovered()
    {
        HeldIssue held;
        QVERIFY(!held.prefix.isEmpty());
        Fixture &f = held.f;
        QCOMPARE(held.prefix, QByteArray("0000000000000000"));
        f.store.setRow({QByteArray("1"), QString(), QByteArrayLiteral("reserved")}); // not ours: stays
        held.release.release();
        f.startService(); // the old service waits for its worker, stores nothing
        QVERIFY(!held.answer.has_value());
        QVERIFY(!f.store.row(held.prefix)); // freed, then merged back by the startup cleanup (§7.4)
        for (const auto &row : f.store.rows()) QVERIFY2(!row.isReserved() || row.prefix == "1", row.prefix.constData());
        QVERIFY(f.store.row("1")->isReserved());
        QVERIFY(!f.store.hasConfig(QStringLiteral("issuing")));
        QVERIFY(f.store.token(QStringLiteral("t0")));
        const HttpResponse r = f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key"))));
        QCOMPARE(r.status, 200);
        QCOMPARE(crypto::Certificate::fromPem(r.body)->commonName(), QStringLiteral("0/16"));
        QVERIFY(!f.store.token(QStringLiteral("t0")));
        QCOMPARE(f.store.config("serial").toLongLong(), 2); // serial 1 went with the interrupted batch
    }

    void cleanupPass()
    {
        RegistryOptions o = baseOptions();
        o.gracePeriod = 1000;
        Fixture f(o);
        f.get("/addToken?email=a&token=t0");
        f.get("/addToken?email=b&token=t1");
        f.clock = kNow + 500;
        f.get("/addToken?email=c&token=t2");
        f.get("/requestCertificate?token=t1&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key"))));
        const QByteArray pem = f.get("/requestCertificate?token=t2&req=" + Fixture::q(f.csr(vectorKey("node-1-16.key")))).body;
        const qint64 notAfter = crypto::Certificate::fromPem(pem)->notAfter();
        f.clock = kNow + 1000;
        QVERIFY(f.service->runCleanup());
        QCOMPARE(f.store.tokenCount(), 0); // t0 dated kNow <= now - grace
        QCOMPARE(f.service->nextCleanup(), notAfter + 1000);
        // Certificate of 1/16 expired more than grace ago → freed and merged.
        f.clock = notAfter + 1000;
        QSignalSpy fatal(f.service.get(), &RegistryService::fatalError);
        // The registry node (0/16, same notAfter) expired too → fatal "wrong clock?".
        QVERIFY(!f.service->runCleanup());
        QCOMPARE(fatal.size(), 1);
        QVERIFY(fatal.first().first().toString().contains("wrong clock"));
    }

    void cleanupFreesExpired()
    {
        RegistryOptions o = baseOptions();
        o.gracePeriod = 1000;
        Fixture f(o);
        f.get("/addToken?email=a&token=t0");
        f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key"))));
        f.clock = kNow + 100000;
        f.get("/addToken?email=b&token=t1");
        const QByteArray pem = f.get("/requestCertificate?token=t1&req=" + Fixture::q(f.csr(vectorKey("node-1-16.key")))).body;
        QVERIFY(!pem.isEmpty());
        // Renew the registry node so only 1/16 expires.
        f.clock = kNow + RegistryService::CertDuration; // a hello's secret lives a minute
        HmacRatchet ratchet(f.hello("0000000000000000", vectorKey("node-0-16.key")));
        const HttpResponse r = f.signedGet(ratchet, "/renewCertificate?cn=0000000000000000");
        QCOMPARE(r.status, 200);
        const qint64 registryNotAfter = crypto::Certificate::fromPem(r.body)->notAfter();
        f.clock = crypto::Certificate::fromPem(pem)->notAfter() + 1000;
        QVERIFY(f.service->runCleanup());
        QVERIFY(f.store.row("0000000000000001")->isFree()); // freed (sibling 0/16 still allocated)
        QVERIFY(f.store.row("0000000000000000")->isAllocated());
        QCOMPARE(f.service->nextCleanup(), registryNotAfter + 1000);
    }

    // CertificateIndex (registry/CertificateIndex.h): kept in step with every
    // store/free, rebuilt identically from the DB at startup; next cleanup time
    // computed from it without a cleanup pass.
    void certificateIndex()
    {
        RegistryOptions o = baseOptions();
        o.gracePeriod = 1000;
        auto f = std::make_unique<Fixture>(o);
        const CertificateIndex &index = f->service->certificateIndex();
        QCOMPARE(index.size(), 0);
        QCOMPARE(index.freeSubjectSerial(), 0);
        QVERIFY(!index.earliestNotAfter());
        QCOMPARE(f->service->nextCleanup(), 0);

        // A token arms the next cleanup at date + grace.
        QCOMPARE(f->get("/addToken?email=a&token=t0").status, 204);
        QCOMPARE(f->service->nextCleanup(), kNow + 1000);
        QCOMPARE(f->get("/addToken?email=b&token=t1").status, 204);
        QCOMPARE(f->get("/addToken?email=c&token=t2").status, 204);
        QCOMPARE(f->get("/addToken?email=d&token=t3").status, 204);
        const QByteArray keys[] = {"node-0-16.key", "node-1-16.key", "node-2-16.key"};
        QList<crypto::Certificate> certs;
        for (int i = 0; i < 3; ++i) {
            f->clock = kNow + 10 * i;
            const HttpResponse r = f->get("/requestCertificate?token=t" + QByteArray::number(i) + "&req="
                                          + Fixture::q(f->csr(vectorKey(keys[i]))));
            QCOMPARE(r.status, 200);
            certs.append(*crypto::Certificate::fromPem(r.body));
            QCOMPARE(crypto::subjectValue(certs.last().subject(), "serialNumber"), QString::number(i));
        }
        QCOMPARE(index.size(), 3);
        QCOMPARE(index.freeSubjectSerial(), 3);
        QCOMPARE(*index.earliestNotAfter(), certs[0].notAfter());
        QCOMPARE(index.entry("0000000000000001")->notAfter, certs[1].notAfter());
        QCOMPARE(index.entry("0000000000000001")->subjectSerial, 1);
        QCOMPARE(index.entry("0000000000000001")->serial, certs[1].serialDecimal().toLongLong());
        QCOMPARE(*index.prefixForSerial(certs[2].serialDecimal().toLongLong()), QByteArray("0000000000000010"));
        // Still armed by the earliest token (t3, dated kNow), not by a cleanup pass.
        QCOMPARE(f->service->nextCleanup(), kNow + 1000);
        QCOMPARE(f->get("/deleteToken?token=t3").status, 204);
        QVERIFY(f->service->runCleanup());
        QCOMPARE(f->service->nextCleanup(), certs[0].notAfter() + 1000);

        // Freeing 1/16 frees its subject serial: the first gap is reused.
        QCOMPARE(f->get("/revoke?cn_or_serial=1/16").status, 204);
        QCOMPARE(index.size(), 2);
        QVERIFY(!index.entry("0000000000000001"));
        QVERIFY(!index.prefixForSerial(certs[1].serialDecimal().toLongLong()));
        QCOMPARE(index.freeSubjectSerial(), 1);
        QCOMPARE(f->get("/addToken?email=e&token=t4").status, 204);
        const HttpResponse again = f->get("/requestCertificate?token=t4&req=" + Fixture::q(f->csr(vectorKey(keys[1]))));
        QCOMPARE(again.status, 200);
        const auto reissued = crypto::Certificate::fromPem(again.body);
        QCOMPARE(crypto::subjectValue(reissued->subject(), "serialNumber"), QString("1"));
        QCOMPARE(index.freeSubjectSerial(), 3);
        // Revoke by X.509 serial uses the index (the row stays allocated, §6.10).
        QCOMPARE(f->get("/revoke?cn_or_serial=" + certs[2].serialDecimal()).status, 204);
        QVERIFY(f->store.isRevoked(certs[2].serialDecimal().toLongLong()));
        QCOMPARE(index.size(), 3);

        // Renewal replaces the entry: the earliest notAfter moves.
        f->clock = certs[0].notAfter() - 100; // a hello's secret lives a minute
        HmacRatchet ratchet(f->hello("0000000000000000", vectorKey(keys[0])));
        const HttpResponse renewed = f->signedGet(ratchet, "/renewCertificate?cn=0000000000000000");
        QCOMPARE(renewed.status, 200);
        const qint64 renewedNotAfter = crypto::Certificate::fromPem(renewed.body)->notAfter();
        QCOMPARE(index.entry("0000000000000000")->notAfter, renewedNotAfter);
        QCOMPARE(*index.earliestNotAfter(), certs[2].notAfter());

        // A registry restarted on the same DB rebuilds the same index.
        std::vector<std::pair<QByteArray, CertificateIndex::Entry>> before;
        for (const QByteArray &prefix : {QByteArray("0000000000000000"), QByteArray("0000000000000001"), QByteArray("0000000000000010")})
            before.push_back({prefix, *index.entry(prefix)});
        f->service.reset();
        f->store.close(); // last connection: the WAL is checkpointed into the file
        QTemporaryDir copy;
        QVERIFY(QFile::copy(f->dir.filePath("registry.db"), copy.filePath("registry.db")));
        f.reset();
        Fixture g(o, copy.filePath("registry.db"));
        const CertificateIndex &rebuilt = g.service->certificateIndex();
        QCOMPARE(rebuilt.size(), 3);
        for (const auto &[prefix, entry] : before) {
            const auto e = rebuilt.entry(prefix);
            QVERIFY(e);
            QCOMPARE(e->notAfter, entry.notAfter);
            QCOMPARE(e->serial, entry.serial);
            QCOMPARE(e->subjectSerial, entry.subjectSerial);
        }
        QCOMPARE(rebuilt.freeSubjectSerial(), 3);
        QCOMPARE(g.service->nextCleanup(), certs[2].notAfter() + 1000); // t4 consumed; earliest cert
    }

    void certificateIndexUnit()
    {
        CertificateIndex index;
        index.insert("00", {100, 7, 0});
        index.insert("01", {50, 8, 2});
        index.insert("10", {50, 9, 2}); // duplicate subject serial (upstream DBs may hold some)
        QCOMPARE(*index.earliestNotAfter(), 50);
        QCOMPARE(index.freeSubjectSerial(), 1);
        QCOMPARE(index.expiredUpTo(49).size(), 0);
        QList<QByteArray> expired = index.expiredUpTo(50);
        std::sort(expired.begin(), expired.end());
        QCOMPARE(expired, QList<QByteArray>({"01", "10"}));
        index.remove("01");
        QCOMPARE(*index.earliestNotAfter(), 50); // "10" still there
        QCOMPARE(index.freeSubjectSerial(), 1);
        index.insert("10", {200, 10, 1}); // replaced (renewal)
        QCOMPARE(*index.earliestNotAfter(), 100);
        QCOMPARE(index.freeSubjectSerial(), 2);
        QVERIFY(!index.prefixForSerial(9));
        QCOMPARE(*index.prefixForSerial(10), QByteArray("10"));
        index.remove("00");
        index.remove("10");
        QVERIFY(!index.earliestNotAfter());
        QCOMPARE(index.freeSubjectSerial(), 0);
        QVERIFY(!index.insertPem("11", "not a certificate"));
        QCOMPARE(index.size(), 0);
    }

    void topologyGraph()
    {
        // Upstream test_topology expected graph (registry-protocol.md §16.1).
        TopologyGraph graph;
        QStringList listed = graph.addReply("0/16", "2 6/16 7/16 1/16 3/16 36893488147419103232/80 4/16");
        QCOMPARE(listed.size(), 6);
        graph.addReply("1/16", "2 6/16 0/16");
        graph.addReply("7/16", "2 6/16 4/16 3/16 36893488147419103232/80");
        graph.addReply("3/16", "1 0/16");
        graph.addReply("36893488147419103232/80", "1 0/16");
        // Ignored: malformed, N > count, lists itself.
        QVERIFY(graph.addReply("6/16", "x 1/16").isEmpty());
        QVERIFY(graph.addReply("6/16", "3 1/16 2/16").isEmpty());
        QVERIFY(graph.addReply("6/16", "1 6/16").isEmpty());
        QVERIFY(graph.addReply("6/16", "1 bogus").isEmpty());
        const QJsonObject json = graph.toJson();
        auto set = [](std::initializer_list<const char *> items) {
            QStringList l;
            for (const char *i : items) l += i;
            l.sort();
            return QJsonArray::fromStringList(l);
        };
        QJsonObject expected{
            {"", set({"36893488147419103232/80", "3/16", "1/16", "0/16", "7/16"})},
            {"0/16", set({"6/16", "7/16"})},
            {"1/16", set({"6/16", "0/16"})},
            {"36893488147419103232/80", set({"0/16", "7/16"})},
            {"3/16", set({"0/16", "7/16"})},
            {"4/16", set({"0/16"})},
            {"7/16", set({"6/16", "4/16"})},
        };
        QCOMPARE(json, expected);
    }

    void localNodeReplyParsing()
    {
        // Upstream test_recv.
        QVERIFY(!LocalNode::parseReply("no nul here", 4));
        QVERIFY(!LocalNode::parseReply(QByteArray("00x1\0\x04msg", 9), 4));
        QVERIFY(!LocalNode::parseReply(QByteArray("0001001001001\0\x05" "a_msg", 20), 4));
        const auto ok = LocalNode::parseReply(QByteArray("0001001001001\0\x04" "a_msg", 20), 4);
        QVERIFY(ok);
        QCOMPARE(ok->first, QByteArray("0001001001001"));
        QCOMPARE(ok->second, QByteArray("a_msg"));
    }

    void bootstrapPeerAndVersionsThroughFakeNode()
    {
        // A fake local node on [::1]: answers code 1 for the registry prefix and code 4.
        QUdpSocket fake;
        if (!fake.bind(QHostAddress::LocalHostIPv6, 0)) QSKIP("no IPv6 loopback");
        connect(&fake, &QUdpSocket::readyRead, &fake, [&fake] {
            while (fake.hasPendingDatagrams()) {
                const QNetworkDatagram d = fake.receiveDatagram();
                const QByteArray data = d.data();
                const qsizetype nul = data.indexOf('\0');
                const QByteArray prefix = data.left(nul);
                const char code = data.at(nul + 1);
                QByteArray answer;
                if (code == 1) answer = "10.44.0.1,1194,tcp,FR;10.44.0.1,1194,udp,FR";
                if (code == 4) answer = "0.1.0, Linux";
                if (answer.isEmpty()) continue;
                fake.writeDatagram(prefix + '\0' + code + answer, d.senderAddress(), quint16(d.senderPort()));
            }
        });
        // A fake stock babeld (text local interface) in the run directory.
        QTemporaryDir run;
        QLocalServer babeld;
        QVERIFY(babeld.listen(run.filePath("babeld.sock")));
        int dumps = 0;
        connect(&babeld, &QLocalServer::newConnection, &babeld, [&babeld, &dumps] {
            QLocalSocket *c = babeld.nextPendingConnection();
            c->write("BABEL 1.0\nversion babeld-1.12.1\nhost reg\nmy-id 02:00:00:00:00:00:00:01\nok\n");
            connect(c, &QLocalSocket::readyRead, c, [c, &dumps] {
                if (!c->readAll().contains("dump\n")) return;
                ++dumps;
                c->write("add route 1 prefix 2001:db8:42:2::/64 from ::/0 installed yes id 02:aa metric 96 refmetric 0 via fe80::2 if re6stnet1\n"
                         "add route 2 prefix 2001:db8:42:3::/64 from ::/0 installed no id 02:ab metric 96 refmetric 0 via fe80::3 if re6stnet2\n"
                         "add route 3 prefix 2001:db9::/64 from ::/0 installed yes id 02:ac metric 96 refmetric 0 via fe80::4 if re6stnet3\n"
                         "ok\n");
            });
        });
        Fixture probe(baseOptions());
        LocalNode node(probe.service->network(), run.path());
        node.setNodeEndpoint(QHostAddress::LocalHostIPv6, fake.localPort());
        node.setQueryTimeout(1000);
        Fixture f(baseOptions(), {}, &node);
        f.get("/addToken?email=a&token=t0");
        f.get("/addToken?email=b&token=t1");
        f.get("/requestCertificate?token=t0&req=" + Fixture::q(f.csr(vectorKey("node-0-16.key"))));
        f.get("/requestCertificate?token=t1&req=" + Fixture::q(f.csr(vectorKey("node-1-16.key"))));
        const auto key1 = vectorKey("node-1-16.key");
        HmacRatchet ratchet(f.hello("0000000000000001", key1, 6)); // protocol < 7: no country
        HttpResponse r = f.signedGet(ratchet, "/getBootstrapPeer?cn=0000000000000001");
        QCOMPARE(r.status, 200);
        QVERIFY(ratchet.verifyResponse(r.body, Fixture::hmacHeader(r)));
        const QByteArray plain = key1.decrypt(r.body).value_or(QByteArray());
        QVERIFY2(plain == "0000000000000000 10.44.0.1,1194,tcp;10.44.0.1,1194,udp"
                     || plain == "0000000000000010 10.44.0.1,1194,tcp;10.44.0.1,1194,udp",
                 plain.constData());
        QCOMPARE(dumps, 1);
        r = f.get("/versions");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{\"0000000000000000\": \"0.1.0, Linux\", \"0000000000000010\": \"0.1.0, Linux\"}"));
        QCOMPARE(dumps, 2);
        // babeld gone: the dump is empty, only the registry node remains.
        babeld.close();
        r = f.get("/versions");
        QCOMPARE(r.body, QByteArray("{\"0000000000000000\": \"0.1.0, Linux\"}"));
    }
};

QTEST_GUILESS_MAIN(tst_RegistryService)
#include "tst_registryservice.moc"
