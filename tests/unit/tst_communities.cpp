// SPDX-License-Identifier: GPL-2.0-or-later
// Community file parsing, validation and choice, registry-protocol.md §11.
#include "registry/Communities.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using re6st::registry::Communities;
using re6st::registry::RegistryStore;

namespace {
const QByteArray kDemo = "# demo communities\n"
                         "000 *\n"
                         "\n"
                         "001 @AS AU\n"
                         "   # indented comment\n"
                         "010 FR DE IT\n";
}

class TestCommunities final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultWithoutFile()
    {
        const Communities c;
        QVERIFY(c.isDefault());
        QCOMPARE(c.entries().size(), 1);
        QCOMPARE(c.choose(QStringLiteral("FR"), QStringLiteral("EU")), QByteArray());
        QCOMPARE(c.choose(QStringLiteral("*"), QStringLiteral("*")), QByteArray());
        QString error;
        QVERIFY(c.validate(&error));
    }

    void parseDemo()
    {
        QString error;
        const auto c = Communities::parse(kDemo, &error);
        QVERIFY2(c, qPrintable(error));
        QVERIFY(!c->isDefault());
        QCOMPARE(c->entries().size(), 3);
        QCOMPARE(c->entries().at(1).prefix, QByteArray("001"));
        QCOMPARE(c->entries().at(1).locations, (QStringList{"@AS", "AU"}));
        QCOMPARE(c->entries().at(2).locations, (QStringList{"FR", "DE", "IT"}));
    }

    void choose_data()
    {
        QTest::addColumn<QString>("country");
        QTest::addColumn<QString>("continent");
        QTest::addColumn<QByteArray>("community");
        QTest::newRow("country") << "FR" << "EU" << QByteArray("010");
        QTest::newRow("country-wins-over-continent") << "AU" << "OC" << QByteArray("001");
        QTest::newRow("continent") << "JP" << "AS" << QByteArray("001");
        QTest::newRow("continent-with-at") << "JP" << "@AS" << QByteArray("001");
        QTest::newRow("default") << "US" << "NA" << QByteArray("000");
        QTest::newRow("unknown") << "*" << "*" << QByteArray("000");
        QTest::newRow("empty") << "" << "" << QByteArray("000");
        // A country listed nowhere, on a listed continent: the continent.
        QTest::newRow("cn-asia") << "CN" << "AS" << QByteArray("001");
    }

    void choose()
    {
        QFETCH(QString, country);
        QFETCH(QString, continent);
        QFETCH(QByteArray, community);
        const auto c = Communities::parse(kDemo, nullptr);
        QVERIFY(c);
        QCOMPARE(c->choose(country, continent), community);
    }

    void firstListingWins()
    {
        QString error;
        const auto c = Communities::parse("1 *\n01 FR\n001 FR @EU\n0001 @EU\n", &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->choose(QStringLiteral("FR"), QStringLiteral("EU")), QByteArray("01"));
        QCOMPARE(c->choose(QStringLiteral("DE"), QStringLiteral("EU")), QByteArray("001"));
    }

    void invalid_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("reason");
        QTest::newRow("no-star") << QByteArray("000 FR\n001 DE\n") << "exactly one community";
        QTest::newRow("two-stars") << QByteArray("000 *\n001 * DE\n") << "found 2";
        QTest::newRow("prefix-of-another") << QByteArray("00 *\n001 DE\n") << "'00' is a prefix of community '001'";
        QTest::newRow("duplicate") << QByteArray("01 *\n01 DE\n") << "is a prefix of";
        QTest::newRow("not-bits") << QByteArray("0a1 *\n") << "not a bit string";
        QTest::newRow("no-location") << QByteArray("000 *\n001\n") << "no location";
        QTest::newRow("empty-file") << QByteArray("# nothing\n\n") << "no community";
    }

    void invalid()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, reason);
        QString error;
        QVERIFY(!Communities::parse(text, &error));
        QVERIFY2(error.startsWith(QStringLiteral("Invalid community configuration: ")), qPrintable(error));
        QVERIFY2(error.contains(reason), qPrintable(error));
    }

    void tooLongForNetwork()
    {
        const auto c = Communities::parse("0000 *\n1 FR\n", nullptr);
        QVERIFY(c);
        QString error;
        QVERIFY(c->validate(&error, 8));
        QVERIFY(!c->validate(&error, 4)); // no room left for node bits
        QVERIFY(error.startsWith(QStringLiteral("Invalid community configuration: ")));
    }

    void againstAllocatedRows()
    {
        const auto c = Communities::parse(kDemo, nullptr);
        QVERIFY(c);
        QString error;
        // A /16 inside community 000 is fine (the community contains it).
        QList<RegistryStore::CertRow> rows{{"0000000000000000", QStringLiteral("a@x"), "PEM"},
                                           {"0000000000000001", QString(), QByteArray()},
                                           {"1", QString(), QByteArray()}};
        QVERIFY2(c->validateAgainst(rows, &error), qPrintable(error));
        // A free short row containing the community is fine too.
        rows.append({"01", QString(), QByteArray()});
        QVERIFY(c->validateAgainst(rows, &error));
        // An allocated row containing community 010 is not.
        rows.append({"01", QString(), "PEM"});
        QVERIFY(!c->validateAgainst(rows, &error));
        QVERIFY(error.startsWith(QStringLiteral("Invalid community configuration: ")));
        QVERIFY2(error.contains(QStringLiteral("010")), qPrintable(error));
        // Equal to a community counts as inside.
        QVERIFY(!c->validateAgainst({{"001", QString(), "PEM"}}, &error));
        QVERIFY(!c->validateAgainst({{"001", QString(), "reserved"}}, &error));
    }

    void load()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("community.conf"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kDemo);
        f.close();
        QString error;
        const auto c = Communities::load(path, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->entries().size(), 3);
        QVERIFY(!Communities::load(dir.filePath(QStringLiteral("missing")), &error));
        QVERIFY(error.startsWith(QStringLiteral("Invalid community configuration: ")));
        QVERIFY(error.contains(QStringLiteral("--community")));
    }
};

QTEST_GUILESS_MAIN(TestCommunities)
#include "tst_communities.moc"
