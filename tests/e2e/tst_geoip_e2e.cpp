// SPDX-License-Identifier: GPL-2.0-or-later
// GeoIP, communities and same_country with a real registry and a generated
// GeoIP2-Country database (registry-protocol.md §6.3, §6.7, §11).
#include "E2eSupport.h"

#include "core/Addressing.h"
#include "core/NetworkConfig.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using namespace re6st::e2e;

class GeoIpE2e final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_dir, m_mmdb;
    RegistryProcess m_registry;
    crypto::RsaKey m_key;
    crypto::RsaKey m_caPublic;

    // Token-based requestCertificate with an optional location and X-Forwarded-For.
    crypto::Certificate enroll(const QByteArray &token, const QByteArray &location, const QByteArray &forwardedFor)
    {
        const HttpReply added = httpGet(m_registry.port(), target("addToken", {{"email", token + "@example.com"}, {"token", token}}));
        if (added.status != 204) qWarning() << added.describe();
        Headers headers;
        if (!forwardedFor.isEmpty()) headers.append({"X-Forwarded-For", forwardedFor});
        const HttpReply r = httpGet(m_registry.port(),
                                    target("requestCertificate", {{"token", token}, {"req", csrPem(m_key)},
                                                                  {"location", location}, {"ip", ""}}),
                                    headers);
        if (r.status != 200) qWarning() << r.describe();
        return crypto::Certificate::fromPem(r.body).value_or(crypto::Certificate());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_dir = m_tmp.path();
        QVERIFY(installVectorCa(m_dir));
        m_caPublic = crypto::Certificate::fromPem(readAll(m_dir + "/ca.crt"))->publicKey();
        m_mmdb = m_dir + "/country.mmdb";
        QProcess perl;
        perl.start("perl", {sourceDir() + "/tests/tools/make-test-mmdb.pl", m_mmdb});
        QVERIFY(perl.waitForFinished(60000));
        QVERIFY2(perl.exitCode() == 0, perl.readAllStandardError().constData());
        QVERIFY(writeAll(m_dir + "/community.conf", "# demo-like communities\n000 *\n001 FR DE\n\n010 @AS\n"));
        m_key = crypto::RsaKey::generate(2048).value();
    }

    void sameCountryNeedsGeoIp()
    {
        qunsetenv("GEOIP2_MMDB");
        RegistryProcess r;
        QString error;
        QVERIFY(!r.start(RegistryProcess::config(m_dir, {"--same-country", "FR", "--db", m_dir + "/refused.db"}), &error));
        QVERIFY2(r.output().contains("GEOIP2_MMDB"), r.output().constData());
    }

    void invalidCommunityRefused()
    {
        qputenv("GEOIP2_MMDB", m_mmdb.toUtf8());
        QVERIFY(writeAll(m_dir + "/bad.conf", "000 *\n00 FR\n"));
        RegistryProcess r;
        QString error;
        QVERIFY(!r.start(RegistryProcess::config(m_dir, {"--community", m_dir + "/bad.conf", "--db", m_dir + "/bad.db"}), &error));
        QVERIFY2(r.output().contains("Invalid community configuration"), r.output().constData());
    }

    void communitiesFollowCountry()
    {
        qputenv("GEOIP2_MMDB", m_mmdb.toUtf8());
        QString error;
        QVERIFY2(m_registry.start(RegistryProcess::config(m_dir, {"--community", m_dir + "/community.conf",
                                                                  "--prefix-length", "13", "--same-country", "FR"}),
                                  &error),
                 qPrintable(error));
        // 10.42.1.0/24 is FR in the test database -> community 001 -> 8192/16.
        QCOMPARE(enroll("tokenfra", "", "10.42.1.5").commonName(), QString("8192/16"));
        // An explicit location wins over GeoIP: JP,AS -> @AS -> 010 -> 16384/16.
        QCOMPARE(enroll("tokenjpn", "JP,AS", "10.42.1.5").commonName(), QString("16384/16"));
        // Unknown address -> '*' community 000 -> 0/16.
        QCOMPARE(enroll("tokenunk", "", "192.0.2.1").commonName(), QString("0/16"));
        // DE is listed in community 001 too.
        QCOMPARE(enroll("tokendeu", "", "10.42.2.9").commonName(), QString("8193/16"));
    }

    void getCountryAndSameCountry()
    {
        RawSession session(m_registry.port(), addressing::bitsFromCn("8192/16").value(), m_key, m_caPublic);
        QString error;
        QCOMPARE(session.hello(&error).status, 200);
        bool macOk = false;
        HttpReply r = session.call("getCountry", {{"address", "10.42.2.7"}}, &macOk);
        QCOMPARE(r.status, 200);
        QVERIFY(macOk);
        QCOMPARE(r.body, QByteArray("DE"));
        r = session.call("getCountry", {{"address", "2001:db8:1::5"}}, &macOk);
        QCOMPARE(r.body, QByteArray("FR"));
        r = session.call("getCountry", {{"address", "192.0.2.1"}}, &macOk);
        QCOMPARE(r.status, 204);
        QVERIFY(macOk);
        r = session.call("getCountry", {{"address", "not an address"}}, &macOk);
        QCOMPARE(r.status, 204);
        r = session.call("getNetworkConfig", {}, &macOk);
        QCOMPARE(r.status, 200);
        const auto config = NetworkConfig::decode(r.body, m_key, m_caPublic, &error);
        QVERIFY2(config, qPrintable(error));
        QCOMPARE(config->values["same_country"].toStringList(), QStringList{"FR"});
        QVERIFY(m_registry.alive());
    }

    void cleanupTestCase()
    {
        m_registry.stop();
        qunsetenv("GEOIP2_MMDB");
    }
};

QTEST_GUILESS_MAIN(GeoIpE2e)
#include "tst_geoip_e2e.moc"
