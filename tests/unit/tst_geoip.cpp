// SPDX-License-Identifier: GPL-2.0-or-later
// GeoIP country lookups (registry-protocol.md §11) against a database that
// tests/tools/make-test-mmdb.pl writes into a temporary directory.
#include "registry/GeoIp.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using re6st::registry::GeoIp;

class TestGeoIp final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_mmdb;

    static QString generatorPath()
    {
        const QString source = qEnvironmentVariable("RE6ST_SOURCE_DIR");
        if (!source.isEmpty())
            return source + QStringLiteral("/tests/tools/make-test-mmdb.pl");
        // This file is compiled by absolute path: tests/unit/ -> tests/tools/.
        return QFileInfo(QStringLiteral(__FILE__)).absolutePath() + QStringLiteral("/../tools/make-test-mmdb.pl");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString script = generatorPath();
        QVERIFY2(QFileInfo::exists(script), qPrintable(script));
        QProcess check;
        check.start(QStringLiteral("perl"), {QStringLiteral("-MMaxMind::DB::Writer::Tree"), QStringLiteral("-e1")});
        if (!check.waitForFinished(60000) || check.exitStatus() != QProcess::NormalExit || check.exitCode() != 0)
            QSKIP("perl module MaxMind::DB::Writer::Tree missing (Debian: libmaxmind-db-writer-perl)");
        m_mmdb = m_dir.filePath(QStringLiteral("country.mmdb"));
        QProcess gen;
        gen.start(QStringLiteral("perl"), {script, m_mmdb});
        QVERIFY(gen.waitForFinished(120000));
        QVERIFY2(gen.exitCode() == 0, gen.readAllStandardError().constData());
        QVERIFY(QFileInfo(m_mmdb).size() > 0);
    }

    void lookup_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("country");
        QTest::addColumn<QString>("continent");
        QTest::newRow("fr-v4") << "10.42.1.7" << "FR" << "EU";
        QTest::newRow("de-v4") << "10.42.2.200" << "DE" << "EU";
        QTest::newRow("jp-v4") << "10.42.3.1" << "JP" << "AS";
        QTest::newRow("fr-v6") << "2001:db8:1:42::1" << "FR" << "EU";
        QTest::newRow("au-v6") << "2001:db8:2::5" << "AU" << "OC";
        QTest::newRow("not-found-v4") << "10.42.4.1" << "*" << "*";
        QTest::newRow("not-found-v6") << "2001:db8:3::1" << "*" << "*";
        QTest::newRow("invalid") << "not-an-address" << "*" << "*";
        QTest::newRow("empty") << "" << "*" << "*";
        QTest::newRow("hostname") << "localhost" << "*" << "*";
    }

    void lookup()
    {
        QFETCH(QString, address);
        QFETCH(QString, country);
        QFETCH(QString, continent);
        GeoIp geo;
        QString error;
        QVERIFY2(geo.open(m_mmdb, &error), qPrintable(error));
        QVERIFY(geo.isOpen());
        const GeoIp::Location loc = geo.lookup(address);
        QCOMPARE(loc.country, country);
        QCOMPARE(loc.continent, continent);
        QCOMPARE(loc.found(), country != QLatin1String("*"));
    }

    void notOpenGivesStar()
    {
        GeoIp geo;
        QVERIFY(!geo.isOpen());
        QCOMPARE(geo.lookup(QStringLiteral("10.42.1.7")).country, QStringLiteral("*"));
    }

    void openMissingFileFails()
    {
        GeoIp geo;
        QString error;
        QVERIFY(!geo.open(m_dir.filePath(QStringLiteral("missing.mmdb")), &error));
        QVERIFY(error.contains(QStringLiteral("GEOIP2_MMDB")));
        QVERIFY(!geo.isOpen());
    }

    void fromEnvironment()
    {
        const QByteArray saved = qgetenv("GEOIP2_MMDB");
        QString error;
        qunsetenv("GEOIP2_MMDB");
        QVERIFY(!GeoIp::fromEnvironment(&error));
        QVERIFY(error.isEmpty());

        qputenv("GEOIP2_MMDB", QFile::encodeName(m_mmdb));
        auto geo = GeoIp::fromEnvironment(&error);
        QVERIFY2(geo, qPrintable(error));
        QCOMPARE(geo->lookup(QStringLiteral("10.42.3.9")).country, QStringLiteral("JP"));

        qputenv("GEOIP2_MMDB", QFile::encodeName(m_dir.filePath(QStringLiteral("nope.mmdb"))));
        QVERIFY(!GeoIp::fromEnvironment(&error));
        QVERIFY(!error.isEmpty());

        if (saved.isNull())
            qunsetenv("GEOIP2_MMDB");
        else
            qputenv("GEOIP2_MMDB", saved);
    }
};

QTEST_GUILESS_MAIN(TestGeoIp)
#include "tst_geoip.moc"
