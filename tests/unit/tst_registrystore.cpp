// SPDX-License-Identifier: GPL-2.0-or-later
// RegistryStore: exact upstream schema (registry-protocol.md §12), reading an
// upstream registry.db, transactions and WAL sharing.
#include "Vectors.h"
#include "registry/RegistryStore.h"
#include "registry/WalSync.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using re6st::registry::RegistryStore;
using re6st::registry::WalSync;

namespace {

// Written out independently of the implementation: registry-protocol.md §12.
const QString kConfigSql = QStringLiteral("CREATE TABLE config (\n  name TEXT PRIMARY KEY NOT NULL,\n  value)");
const QString kTokenSql = QStringLiteral(
    "CREATE TABLE token (\n  token TEXT PRIMARY KEY NOT NULL,\n  email TEXT NOT NULL,\n  prefix_len INTEGER NOT NULL,\n  date INTEGER NOT NULL)");
const QString kCertSql = QStringLiteral("CREATE TABLE cert (\n  prefix TEXT PRIMARY KEY NOT NULL,\n  email TEXT,\n  cert TEXT)");
const QString kCrlSql = QStringLiteral("CREATE TABLE crl (\n  serial INTEGER PRIMARY KEY NOT NULL,\n  date INTEGER NOT NULL)");

QVariant scalar(const RegistryStore &store, const QString &sql)
{
    QSqlQuery q(store.database());
    if (!q.exec(sql) || !q.next())
        return {};
    return q.value(0);
}

QByteArray fileSha(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

} // namespace

class TestRegistryStore final : public QObject
{
    Q_OBJECT

private:
    // A writable copy of the upstream vector DB; the vector itself is never opened.
    static QString copyVectorDb(const QTemporaryDir &dir)
    {
        const QString target = dir.filePath(QStringLiteral("registry.db"));
        if (!QFile::copy(re6st::test::vectorPath(QStringLiteral("registry-db/registry.db")), target))
            return {};
        QFile::setPermissions(target, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        return target;
    }

private Q_SLOTS:
    void freshSchemaIsByteIdentical()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        RegistryStore store;
        QString error;
        // The parent directory is created on open (§12).
        QVERIFY2(store.open(dir.filePath(QStringLiteral("sub/dir/registry.db")), &error), qPrintable(error));
        QVERIFY(store.isOpen());

        QSqlQuery q(store.database());
        QVERIFY(q.exec(QStringLiteral("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid")));
        QStringList names, sqls;
        while (q.next()) {
            names << q.value(0).toString();
            sqls << q.value(1).toString();
        }
        QCOMPARE(names, (QStringList{"config", "token", "cert", "crl"}));
        QCOMPARE(sqls, (QStringList{kConfigSql, kTokenSql, kCertSql, kCrlSql}));

        // Same text as the upstream-created DB reports.
        const QJsonObject tables =
            re6st::test::vectorJson(QStringLiteral("registry-db/summary.json")).object().value("tables_sql").toObject();
        for (int i = 0; i < names.size(); ++i)
            QCOMPARE(sqls.at(i), tables.value(names.at(i)).toString());
        QCOMPARE(RegistryStore::tableSql(QStringLiteral("cert")), kCertSql);

        // One free root row.
        const QList<RegistryStore::CertRow> rows = store.rows();
        QCOMPARE(rows.size(), 1);
        QVERIFY(rows.first().prefix.isEmpty());
        QVERIFY(!rows.first().prefix.isNull());
        QVERIFY(rows.first().isFree());
        QVERIFY(rows.first().email.isNull());
        QCOMPARE(scalar(store, QStringLiteral("SELECT typeof(prefix) FROM cert")).toString(), QStringLiteral("text"));
        QCOMPARE(scalar(store, QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    }

    void reopenKeepsSingleRootRow()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("r.db"));
        {
            RegistryStore store;
            QVERIFY(store.open(path, nullptr));
        }
        RegistryStore store;
        QString error;
        QVERIFY2(store.open(path, &error), qPrintable(error));
        QCOMPARE(store.rows().size(), 1);
    }

    void refusesDifferentSchema()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("other.db"));
        {
            RegistryStore store;
            QVERIFY(store.open(path, nullptr));
            QSqlQuery q(store.database());
            QVERIFY(q.exec(QStringLiteral("DROP TABLE cert")));
            // Same columns, different text (one space): upstream refuses it too.
            QVERIFY(q.exec(QStringLiteral("CREATE TABLE cert (\n  prefix TEXT PRIMARY KEY NOT NULL,\n  email TEXT,\n  cert BLOB)")));
        }
        RegistryStore store;
        QString error;
        QVERIFY(!store.open(path, &error));
        QVERIFY2(error.contains(QStringLiteral("'cert'")), qPrintable(error));
        QVERIFY(error.contains(QStringLiteral("--db")));
        QVERIFY(!store.isOpen());
    }

    void refusesNonSqliteFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("junk.db"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
        RegistryStore store;
        QString error;
        QVERIFY(!store.open(path, &error));
        QVERIFY(!error.isEmpty());
    }

    void readsUpstreamDatabase()
    {
        QTemporaryDir dir;
        const QString vector = re6st::test::vectorPath(QStringLiteral("registry-db/registry.db"));
        const QByteArray vectorHash = fileSha(vector);
        QVERIFY(!vectorHash.isEmpty());
        const QString path = copyVectorDb(dir);
        QVERIFY(!path.isEmpty());
        const QJsonObject summary = re6st::test::vectorJson(QStringLiteral("registry-db/summary.json")).object();
        const QJsonObject config = summary.value("config").toObject();

        RegistryStore store;
        QString error;
        QVERIFY2(store.open(path, &error), qPrintable(error));

        QCOMPARE(store.config(QStringLiteral("prefix")).toString(), QStringLiteral("0000000000000000"));
        QCOMPARE(store.configType(QStringLiteral("prefix")), QStringLiteral("text"));
        QCOMPARE(store.config(QStringLiteral("serial")).toLongLong(), 7);
        QCOMPARE(store.configType(QStringLiteral("serial")), QStringLiteral("integer"));
        const QByteArray version = store.configBlob(QStringLiteral("version"));
        QCOMPARE(version.size(), 257);
        QCOMPARE(version.toHex(), config.value("version").toObject().value("value").toString().toLatin1());
        QCOMPARE(store.configType(QStringLiteral("version")), QStringLiteral("blob"));
        QCOMPARE(store.configBlob(QStringLiteral("babel_hmac0")).toHex(), QByteArray("5e875af7ecc53a0570fcf2b176fadcd2"));
        QVERIFY(!store.hasConfig(QStringLiteral("babel_hmac1")));
        QVERIFY(store.configBlob(QStringLiteral("babel_hmac1")).isNull());
        QVERIFY(!store.config(QStringLiteral("valid_until")).isValid());
        QCOMPARE(store.config(QStringLiteral("last_config")).toString(),
                 config.value("last_config").toObject().value("value").toString());
        QCOMPARE(store.configBlob(QStringLiteral("last_config")),
                 config.value("last_config").toObject().value("value").toString().toUtf8());

        QCOMPARE(store.tokenCount(), 1);
        const auto token = store.token(QStringLiteral("xlahurbj"));
        QVERIFY(token);
        QCOMPARE(token->email, QStringLiteral("pending@example.com"));
        QCOMPARE(token->prefixLen, 16);
        QCOMPARE(token->date, 1795688812);
        QCOMPARE(store.earliestTokenDate(), std::optional<qint64>(1795688812));
        QVERIFY(!store.token(QStringLiteral("nosuchtk")));

        QCOMPARE(store.crlSerials(), QList<qint64>{6});
        QCOMPARE(store.crlRows().size(), 1);
        QCOMPARE(store.crlRows().first().second, 1827224810);
        QVERIFY(store.isRevoked(6));
        QVERIFY(!store.isRevoked(5));

        const QJsonArray expected = summary.value("cert").toArray();
        const QList<RegistryStore::CertRow> rows = store.rows();
        QCOMPARE(rows.size(), 29);
        QCOMPARE(expected.size(), 29);
        QStringList expectedPrefixes;
        for (const QJsonValue &v : expected)
            expectedPrefixes << v.toObject().value("prefix").toString();
        expectedPrefixes.sort();
        int allocated = 0;
        for (int i = 0; i < rows.size(); ++i) {
            const RegistryStore::CertRow &r = rows.at(i);
            QCOMPARE(QString::fromLatin1(r.prefix), expectedPrefixes.at(i));
            QJsonObject e;
            for (const QJsonValue &v : expected)
                if (v.toObject().value("prefix").toString() == expectedPrefixes.at(i))
                    e = v.toObject();
            if (e.value("cert").isNull()) {
                QVERIFY(r.isFree());
                QVERIFY(r.email.isNull());
            } else {
                ++allocated;
                QVERIFY(r.isAllocated());
                QVERIFY(r.cert.startsWith("-----BEGIN CERTIFICATE-----"));
                // "PEM (1034 chars)"
                QCOMPARE(QString::number(r.cert.size()), e.value("cert").toString().section(QLatin1Char('('), 1).section(QLatin1Char(' '), 0, 0));
                QCOMPARE(r.email.isNull(), e.value("email").isNull());
                if (!r.email.isNull())
                    QCOMPARE(r.email, e.value("email").toString());
            }
        }
        QCOMPARE(allocated, 6);
        QCOMPARE(store.allocatedRows().size(), 6);
        QCOMPARE(store.freeRows().size(), 23);
        QCOMPARE(store.row("0000000000000101")->isFree(), true);
        QCOMPARE(store.row("000000000000011000000000")->email, QString());

        QCOMPARE(store.prefixForEmail(QStringLiteral("n2@example.com")), std::optional<QByteArray>("0000000000000010"));
        QCOMPARE(store.prefixForEmail(QStringLiteral("reg@example.com")), std::optional<QByteArray>("0000000000000000"));
        QVERIFY(!store.prefixForEmail(QStringLiteral("nobody@example.com")));

        store.close();
        QCOMPARE(fileSha(vector), vectorHash); // the vector was not touched
    }

    void transactionRollbackLeavesNothing()
    {
        QTemporaryDir dir;
        RegistryStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("t.db")), nullptr));
        {
            RegistryStore::Transaction t(store);
            QVERIFY(t.isActive());
            QCOMPARE(store.insertToken({QStringLiteral("abcdefgh"), QStringLiteral("a@example.com"), 16, 100}), RegistryStore::Change::Made);
            store.setRow({"0", QStringLiteral("a@example.com"), "PEM"});
            store.setConfig(QStringLiteral("serial"), 1);
            QCOMPARE(store.insertCrl(3, 4), RegistryStore::Change::Made);
            QCOMPARE(store.tokenCount(), 1); // visible inside the transaction
        } // no commit -> ROLLBACK
        QCOMPARE(store.tokenCount(), 0);
        QVERIFY(!store.row("0"));
        QVERIFY(!store.hasConfig(QStringLiteral("serial")));
        QVERIFY(store.crlSerials().isEmpty());
        QCOMPARE(store.rows().size(), 1);

        {
            RegistryStore::Transaction t(store);
            QCOMPARE(store.insertToken({QStringLiteral("abcdefgh"), QStringLiteral("a@example.com"), 16, 100}), RegistryStore::Change::Made);
            QVERIFY(t.commit());
            QVERIFY(!t.isActive());
            QVERIFY(!t.commit());
        }
        QCOMPARE(store.tokenCount(), 1);
    }

    // A statement that fails inside a transaction (here SQLITE_FULL, from a
    // page limit: a row too big for the pages left) fails the transaction:
    // the statements that worked are rolled back, the ones after it do not
    // run, even though no caller looked at the one that failed. SQLite itself
    // rolls back the whole transaction on SQLITE_FULL: before, the statements
    // after it were each committed alone.
    void failedStatementFailsTheTransaction()
    {
        QTemporaryDir dir;
        RegistryStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("t.db")), nullptr));
        const qint64 pages = scalar(store, QStringLiteral("PRAGMA page_count")).toLongLong();
        QVERIFY(scalar(store, QStringLiteral("PRAGMA max_page_count = %1").arg(pages)).isValid());
        const RegistryStore::CertRow tooBig{"0", QStringLiteral("a@b"), QByteArray(100000, 'x')};
        {
            RegistryStore::Transaction t(store);
            QVERIFY(t.isActive());
            store.setConfig(QStringLiteral("serial"), 1); // fits in its page
            store.setRow(tooBig);                         // does not
            QVERIFY(store.lastError().contains(QLatin1String("full")));
            QVERIFY(!t.isActive());
            store.setConfig(QStringLiteral("prefix"), QStringLiteral("0"));
            QCOMPARE(store.insertToken({QStringLiteral("t1"), QStringLiteral("a@b"), 16, 1}), RegistryStore::Change::Failed);
            QVERIFY(!t.commit());
        }
        QVERIFY(!store.hasConfig(QStringLiteral("serial")));
        QVERIFY(!store.hasConfig(QStringLiteral("prefix")));
        QCOMPARE(store.tokenCount(), 0);
        QVERIFY(!store.row("0"));

        // The same inside a step: the other steps go too.
        {
            RegistryStore::Transaction t(store);
            {
                RegistryStore::Savepoint step(store);
                store.setConfig(QStringLiteral("serial"), 2);
                QVERIFY(step.release());
            }
            {
                RegistryStore::Savepoint step(store);
                store.setRow(tooBig);
                QVERIFY(!step.release());
            }
            {
                RegistryStore::Savepoint step(store);
                store.setRow({"1", QStringLiteral("a@b"), "PEM"});
                QVERIFY(!step.release());
            }
            QVERIFY(!t.commit());
        }
        QVERIFY(!store.hasConfig(QStringLiteral("serial")));
        QVERIFY(!store.row("1"));

        // The next transaction works.
        {
            RegistryStore::Transaction t(store);
            store.setConfig(QStringLiteral("serial"), 3);
            QVERIFY(t.commit());
        }
        QCOMPARE(store.config(QStringLiteral("serial")).toInt(), 3);
    }

    // BEGIN refused (a read-only database): no statement may then run alone,
    // outside any transaction, even if the database would now take it.
    void failedBeginRefusesEveryStatement()
    {
        QTemporaryDir dir;
        RegistryStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("t.db")), nullptr));
        QVERIFY(QSqlQuery(store.database()).exec(QStringLiteral("PRAGMA query_only = 1")));
        {
            RegistryStore::Transaction t(store);
            QVERIFY(!t.isActive());
            QVERIFY(store.lastError().contains(QLatin1String("readonly")));
            QVERIFY(QSqlQuery(store.database()).exec(QStringLiteral("PRAGMA query_only = 0")));
            store.setConfig(QStringLiteral("serial"), 1);
            QCOMPARE(store.insertToken({QStringLiteral("t1"), QStringLiteral("a@b"), 16, 1}), RegistryStore::Change::Failed);
            QVERIFY(!t.commit());
        }
        QVERIFY(!store.hasConfig(QStringLiteral("serial")));
        QCOMPARE(store.tokenCount(), 0);
        // The statements refused above were prepared and bound: they work again.
        QCOMPARE(store.insertToken({QStringLiteral("t1"), QStringLiteral("a@b"), 16, 1}), RegistryStore::Change::Made);
        store.setConfig(QStringLiteral("serial"), 1);
        QCOMPARE(store.config(QStringLiteral("serial")).toInt(), 1);
    }

    // Durability::Deferred: synchronous=NORMAL for that transaction only,
    // FULL again after its COMMIT or ROLLBACK.
    void deferredDurabilityIsScoped()
    {
        QTemporaryDir dir;
        RegistryStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("t.db")), nullptr));
        const auto level = [&store] {
            QSqlQuery q(store.database());
            return q.exec(QStringLiteral("PRAGMA synchronous")) && q.next() ? q.value(0).toInt() : -1;
        };
        QCOMPARE(level(), 2); // FULL
        {
            RegistryStore::Transaction t(store, RegistryStore::Durability::Deferred);
            QVERIFY(t.isActive());
            QCOMPARE(level(), 1); // NORMAL
            store.setConfig(QStringLiteral("serial"), 7);
            QVERIFY(t.commit());
            QCOMPARE(level(), 2);
        }
        QCOMPARE(store.config(QStringLiteral("serial")).toInt(), 7);
        {
            RegistryStore::Transaction t(store, RegistryStore::Durability::Deferred);
            store.setConfig(QStringLiteral("serial"), 8);
        } // ROLLBACK
        QCOMPARE(level(), 2);
        QCOMPARE(store.config(QStringLiteral("serial")).toInt(), 7);
        {
            RegistryStore::Transaction t(store); // Synced: the level is left alone
            QCOMPARE(level(), 2);
            QVERIFY(t.commit());
        }
        QCOMPARE(level(), 2);
    }

    void tokens()
    {
        QTemporaryDir dir;
        RegistryStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("t.db")), nullptr));
        QCOMPARE(store.insertToken({QStringLiteral("aaaaaaaa"), QStringLiteral("a@example.com"), 16, 100}), RegistryStore::Change::Made);
        QCOMPARE(store.insertToken({QStringLiteral("aaaaaaaa"), QStringLiteral("b@example.com"), 20, 200}), RegistryStore::Change::None);
        QCOMPARE(store.token(QStringLiteral("aaaaaaaa"))->email, QStringLiteral("a@example.com"));
        QCOMPARE(store.insertToken({QStringLiteral("bbbbbbbb"), QStringLiteral("b@example.com"), 20, 200}), RegistryStore::Change::Made);
        QCOMPARE(store.insertToken({QStringLiteral("cccccccc"), QStringLiteral("c@example.com"), 20, 300}), RegistryStore::Change::Made);
        QCOMPARE(store.tokens().size(), 3);
        QCOMPARE(store.tokens().first().token, QStringLiteral("aaaaaaaa"));
        QCOMPARE(store.earliestTokenDate(), std::optional<qint64>(100));
        QCOMPARE(store.deleteTokensUpTo(200), 2); // date <= 200 (§7.1)
        QCOMPARE(store.tokenCount(), 1);
        QCOMPARE(store.earliestTokenDate(), std::optional<qint64>(300));
        QCOMPARE(store.deleteToken(QStringLiteral("cccccccc")), RegistryStore::Change::Made);
        QCOMPARE(store.deleteToken(QStringLiteral("cccccccc")), RegistryStore::Change::None);
        QVERIFY(!store.earliestTokenDate());
    }

    void configTypes()
    {
        QTemporaryDir dir;
        RegistryStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("c.db")), nullptr));
        store.setConfig(QStringLiteral("babel_hmac0"), QByteArray::fromHex("00112233445566778899aabbccddeeff"));
        store.setConfig(QStringLiteral("babel_hmac2"), QByteArray()); // empty BLOB, not NULL (§9.5)
        store.setConfig(QStringLiteral("prefix"), QStringLiteral("0000000000000000"));
        store.setConfig(QStringLiteral("serial"), qint64(12));
        store.setConfig(QStringLiteral("valid_until"), 1718000000.25);
        QCOMPARE(store.configType(QStringLiteral("babel_hmac0")), QStringLiteral("blob"));
        QCOMPARE(store.configType(QStringLiteral("babel_hmac2")), QStringLiteral("blob"));
        QCOMPARE(store.configType(QStringLiteral("prefix")), QStringLiteral("text"));
        QCOMPARE(store.configType(QStringLiteral("serial")), QStringLiteral("integer"));
        QCOMPARE(store.configType(QStringLiteral("valid_until")), QStringLiteral("real"));
        QCOMPARE(store.configBlob(QStringLiteral("babel_hmac0")).size(), 16);
        const QByteArray empty = store.configBlob(QStringLiteral("babel_hmac2"));
        QVERIFY(empty.isEmpty());
        QVERIFY(!empty.isNull()); // present-but-empty differs from absent
        QVERIFY(store.configBlob(QStringLiteral("babel_hmac1")).isNull());
        QCOMPARE(store.config(QStringLiteral("valid_until")).toDouble(), 1718000000.25);
        QCOMPARE(store.config(QStringLiteral("serial")).toLongLong(), 12);
        store.removeConfig(QStringLiteral("valid_until"));
        QVERIFY(!store.hasConfig(QStringLiteral("valid_until")));
        // Old DBs may hold TEXT where a BLOB is expected: read as bytes.
        QSqlQuery q(store.database());
        QVERIFY(q.exec(QStringLiteral("INSERT OR REPLACE INTO config VALUES ('babel_hmac1', 'text-key')")));
        QCOMPARE(store.configBlob(QStringLiteral("babel_hmac1")), QByteArray("text-key"));
        // SQL NULL value: present but null; empty BLOB: present, not null.
        QVERIFY(q.exec(QStringLiteral("INSERT OR REPLACE INTO config VALUES ('babel_hmac1', NULL)")));
        QVERIFY(store.hasConfig(QStringLiteral("babel_hmac1")));
        QVERIFY(store.config(QStringLiteral("babel_hmac1")).isNull());
        QVERIFY(store.configBlob(QStringLiteral("babel_hmac1")).isNull());
        QVERIFY(!store.config(QStringLiteral("babel_hmac2")).isNull());
        QVERIFY(store.config(QStringLiteral("babel_hmac2")).isValid());
    }

    void certRowsTextAndBlob()
    {
        QTemporaryDir dir;
        RegistryStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("c.db")), nullptr));
        store.renameRow("", "1");
        store.setRow({"0", QStringLiteral("x@example.com"), "-----BEGIN CERTIFICATE-----\nAAAA\n"});
        QCOMPARE(scalar(store, QStringLiteral("SELECT typeof(cert) FROM cert WHERE prefix = '0'")).toString(),
                 QStringLiteral("text"));
        QCOMPARE(scalar(store, QStringLiteral("SELECT typeof(prefix) FROM cert WHERE prefix = '1'")).toString(),
                 QStringLiteral("text"));
        // 2024 upstream regression stored certificates as BLOB: still readable.
        QSqlQuery q(store.database());
        QVERIFY(q.exec(QStringLiteral("UPDATE cert SET cert = CAST('PEMBLOB' AS BLOB) WHERE prefix = '1'")));
        QCOMPARE(store.row("1")->cert, QByteArray("PEMBLOB"));
        QVERIFY(store.row("1")->isAllocated());
        QCOMPARE(store.allocatedRows().size(), 2);
        store.freeRow("1");
        QVERIFY(store.row("1")->isFree());
        QVERIFY(store.row("1")->email.isNull());
        store.setRow({"1", QString(), "reserved"});
        QVERIFY(store.row("1")->isReserved());
        QCOMPARE(store.allocatedRows().size(), 1);
        store.deleteRow("1");
        QVERIFY(!store.row("1"));
        QCOMPARE(store.prefixForEmail(QStringLiteral("x@example.com")), std::optional<QByteArray>("0"));
    }

    void crl()
    {
        QTemporaryDir dir;
        RegistryStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("c.db")), nullptr));
        QCOMPARE(store.insertCrl(7, 100), RegistryStore::Change::Made);
        QCOMPARE(store.insertCrl(3, 200), RegistryStore::Change::Made);
        QCOMPARE(store.insertCrl(7, 300), RegistryStore::Change::None);
        QCOMPARE(store.crlSerials(), (QList<qint64>{3, 7}));
        QVERIFY(store.isRevoked(3));
    }

    void walSharedBetweenTwoStores()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("shared.db"));
        RegistryStore a;
        RegistryStore b;
        QString error;
        QVERIFY2(a.open(path, &error), qPrintable(error));
        QVERIFY2(b.open(path, &error), qPrintable(error));
        QVERIFY(a.database().connectionName() != b.database().connectionName());
        QCOMPARE(b.rows().size(), 1); // b did not insert a second root row
        {
            RegistryStore::Transaction t(b);
            QVERIFY(t.isActive());
            QCOMPARE(b.insertToken({QStringLiteral("walwalwa"), QStringLiteral("w@example.com"), 16, 1}), RegistryStore::Change::Made);
            // WAL: a reader is not blocked by the pending write and sees the old state.
            QCOMPARE(a.tokenCount(), 0);
            QVERIFY(a.lastError().isEmpty());
            QVERIFY(t.commit());
        }
        QCOMPARE(a.tokenCount(), 1);
        QVERIFY(QFile::exists(path + QStringLiteral("-wal")));
        {
            RegistryStore::Transaction t(a);
            QCOMPARE(a.deleteToken(QStringLiteral("walwalwa")), RegistryStore::Change::Made);
            QVERIFY(t.commit());
        }
        QCOMPARE(b.tokenCount(), 0);
    }

    // freePrefixes(): in-memory set of cert IS NULL rows, kept in step with
    // the writes, dropped on rollback, rebuilt after another connection commits.
    void freePrefixesCache()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("free.db"));
        RegistryStore a;
        RegistryStore b;
        QVERIFY(a.open(path, nullptr));
        QVERIFY(b.open(path, nullptr));
        auto freeSet = [](const RegistryStore &s) {
            const auto &f = s.freePrefixes();
            return QList<QByteArray>(f.cbegin(), f.cend());
        };
        auto sqlFree = [](const RegistryStore &s) {
            QList<QByteArray> out;
            for (const auto &r : s.freeRows()) out.append(r.prefix.isNull() ? QByteArray("", 0) : r.prefix);
            return out;
        };
        QCOMPARE(freeSet(a), QList<QByteArray>{QByteArray("", 0)});
        {
            RegistryStore::Transaction t(a);
            a.renameRow("", "1");
            a.setRow({"0", QString(), "PEM"});
            QCOMPARE(freeSet(a), QList<QByteArray>{"1"});
            a.renameRow("1", "11");
            a.setRow({"10", QString(), "reserved"});
            QCOMPARE(freeSet(a), QList<QByteArray>{"11"});
            QCOMPARE(freeSet(a), sqlFree(a));
            QVERIFY(t.commit());
        }
        a.freeRow("0");
        QCOMPARE(freeSet(a), (QList<QByteArray>{"0", "11"}));
        a.deleteRow("11");
        QCOMPARE(freeSet(a), QList<QByteArray>{"0"});
        QCOMPARE(freeSet(a), sqlFree(a));
        {
            // Rolled back: the cache must not keep the uncommitted state.
            RegistryStore::Transaction t(a);
            a.setRow({"0", QString(), "PEM2"});
            QVERIFY(freeSet(a).isEmpty());
        }
        QCOMPARE(freeSet(a), QList<QByteArray>{"0"});
        // Another connection commits: a notices (data_version) and rebuilds.
        QCOMPARE(freeSet(b), QList<QByteArray>{"0"});
        b.setRow({"0", QString(), "PEM3"});
        b.freeRow("10");
        QCOMPARE(freeSet(a), QList<QByteArray>{"10"});
        QCOMPARE(freeSet(a), sqlFree(a));
    }

    // Durability::Grouped: COMMIT returns before the fdatasync, which a thread
    // of the store runs; whenDurable() waits for it. Commits made while one
    // sync runs share the next one (group commit).
    void groupedCommitIsSyncedInTheBackground()
    {
        QSemaphore hold; // outlives the store, which joins the sync thread
        QTemporaryDir dir;
        RegistryStore store;
        QString error;
        QVERIFY2(store.open(dir.filePath(QStringLiteral("registry.db")), &error), qPrintable(error));
        store.setWalSyncHook([&hold] { hold.acquire(); });
        const auto unblock = qScopeGuard([&hold] { hold.release(100); }); // also when a check fails
        QStringList done;
        for (const char *name : {"t1", "t2", "t3"}) {
            RegistryStore::Transaction t(store, RegistryStore::Durability::Grouped);
            QCOMPARE(store.insertToken({QString::fromLatin1(name), QStringLiteral("a@b"), 16, 1}), RegistryStore::Change::Made);
            QVERIFY(t.commit());
            QVERIFY(!store.isDurable());
            store.whenDurable([&done, name](const QString &e) { done << QString::fromLatin1(name) + e; });
        }
        QCoreApplication::processEvents(); // the first sync is held: nobody is told yet
        QVERIFY(done.isEmpty());
        QVERIFY(store.token(QStringLiteral("t3"))); // visible to this connection already
        hold.release(2);
        QTRY_COMPARE_WITH_TIMEOUT(done, (QStringList{"t1", "t2", "t3"}), 20000);
        QVERIFY(store.isDurable());
        QCOMPARE(store.walSyncCount(), 2); // t1; then t2 and t3 together
        bool now = false;
        store.whenDurable([&now](const QString &) { now = true; });
        QVERIFY(now);
        // A Synced transaction still syncs in COMMIT: nothing waits.
        RegistryStore::Transaction t(store);
        QCOMPARE(store.insertToken({QStringLiteral("t4"), QStringLiteral("a@b"), 16, 1}), RegistryStore::Change::Made);
        QVERIFY(t.commit());
        QVERIFY(store.isDurable());
    }

    void groupedCommitWithoutWalSyncsInCommit()
    {
        RegistryStore store;
        QString error;
        QVERIFY2(store.open(QStringLiteral(":memory:"), &error), qPrintable(error));
        RegistryStore::Transaction t(store, RegistryStore::Durability::Grouped);
        QCOMPARE(store.insertToken({QStringLiteral("t1"), QStringLiteral("a@b"), 16, 1}), RegistryStore::Change::Made);
        QVERIFY(t.commit());
        QVERIFY(store.isDurable());
        bool now = false;
        store.whenDurable([&now](const QString &e) { now = e.isEmpty(); });
        QVERIFY(now);
        QCOMPARE(store.walSyncCount(), 0);
    }

    // A WAL that cannot be synced: the waiting callbacks get the reason, so
    // nothing is answered as if it were on disk.
    void walSyncFailureReachesTheWaiters()
    {
        QTemporaryDir dir;
        WalSync sync(dir.filePath(QStringLiteral("missing.db-wal")));
        sync.committed();
        QString error;
        bool called = false;
        sync.whenDurable([&](const QString &e) {
            called = true;
            error = e;
        });
        QTRY_VERIFY_WITH_TIMEOUT(called, 20000);
        QVERIFY2(error.contains(QLatin1String("cannot open")) && error.contains(QLatin1String("missing.db-wal")),
                 qPrintable(error));
        QVERIFY(sync.isDurable()); // not retried forever
    }
};

QTEST_GUILESS_MAIN(TestRegistryStore)
#include "tst_registrystore.moc"
