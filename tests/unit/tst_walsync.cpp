// SPDX-License-Identifier: GPL-2.0-or-later
// WalSync and RegistryStore::DeferredSync: the group commit of requestCertificate
// (registry/RegistryIssuance.cpp, registry-protocol.md §18.7).
#include "registry/RegistryStore.h"
#include "registry/WalSync.h"

#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using re6st::registry::RegistryStore;
using re6st::registry::WalSync;

class TestWalSync : public QObject
{
    Q_OBJECT

    static int synchronousLevel(RegistryStore &store)
    {
        QSqlQuery q(store.database());
        if (!q.exec(QStringLiteral("PRAGMA synchronous")) || !q.next()) return -1;
        return q.value(0).toInt(); // 1 NORMAL, 2 FULL
    }

    static QString fileIn(const QTemporaryDir &dir, const QByteArray &content = {})
    {
        const QString path = dir.filePath(QStringLiteral("f"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size()) return {};
        return path;
    }

private Q_SLOTS:
    void syncsAFileOnItsOwnThread()
    {
        QTemporaryDir dir;
        const QString path = fileIn(dir, "data");
        QVERIFY(!path.isEmpty());
        WalSync sync;
        QString error = QStringLiteral("not called");
        QThread *calledOn = nullptr;
        sync.whenDurable(path, [&](const QString &e) {
            error = e;
            calledOn = QThread::currentThread();
        });
        QCOMPARE(error, QStringLiteral("not called")); // never inline: the caller goes on
        QTRY_VERIFY_WITH_TIMEOUT(calledOn != nullptr, 30000);
        QCOMPARE(error, QString());
        QCOMPARE(calledOn, QThread::currentThread());
    }

    void missingFileIsAnError()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("missing-wal"));
        WalSync sync;
        QString error;
        bool called = false;
        sync.whenDurable(path, [&](const QString &e) { error = e; called = true; });
        QTRY_VERIFY_WITH_TIMEOUT(called, 30000);
        QVERIFY2(error.contains(QLatin1String("cannot open")) && error.contains(path), qPrintable(error));
    }

    // Callers that arrive while one fdatasync runs share the next one; every
    // caller is answered, in order, by a sync that began after its call.
    void callersShareTheNextSync()
    {
        QTemporaryDir dir;
        const QString path = fileIn(dir);
        QVERIFY(!path.isEmpty());
        WalSync sync;
        QList<int> order;
        for (int i = 0; i < 5; ++i)
            sync.whenDurable(path, [&order, i](const QString &e) { if (e.isEmpty()) order << i; });
        QTRY_COMPARE_WITH_TIMEOUT(order.size(), 5, 30000);
        QCOMPARE(order, (QList<int>{0, 1, 2, 3, 4}));
        QCOMPARE(sync.syncCount(), 2); // the first alone, the four others together
        sync.whenDurable(path, [&order](const QString &) { order << 5; });
        QTRY_COMPARE_WITH_TIMEOUT(order.size(), 6, 30000);
        QCOMPARE(sync.syncCount(), 3);
    }

    void destroyedFirstNeverCallsBack()
    {
        QTemporaryDir dir;
        const QString path = fileIn(dir);
        QVERIFY(!path.isEmpty());
        bool called = false;
        {
            WalSync sync;
            sync.whenDurable(path, [&called](const QString &) { called = true; });
        } // waits for the running fdatasync, drops the callback
        QCoreApplication::processEvents();
        QVERIFY(!called);
    }

    void deferredSyncOnlyOnAWalFile()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("registry.db"));
        RegistryStore store;
        QString error;
        QVERIFY2(store.open(db, &error), qPrintable(error));
        QCOMPARE(store.walPath(), db + QStringLiteral("-wal"));
        QCOMPARE(synchronousLevel(store), 2);
        {
            RegistryStore::DeferredSync deferred(store);
            QVERIFY(deferred.active());
            QCOMPARE(synchronousLevel(store), 1);
            RegistryStore::Transaction t(store);
            store.setConfig(QStringLiteral("serial"), 7);
            QVERIFY(t.commit());
            deferred.end();
            QCOMPARE(synchronousLevel(store), 2); // back to FULL for every other writer
            QVERIFY(deferred.active());           // the answers must still wait for WalSync
        }
        QCOMPARE(synchronousLevel(store), 2);
        QVERIFY(QFile::exists(store.walPath()));
        QCOMPARE(WalSync::syncFile(store.walPath()), QString());
        QCOMPARE(store.config(QStringLiteral("serial")).toInt(), 7);
        store.close();
        QCOMPARE(store.walPath(), QString());

        RegistryStore memory;
        QVERIFY2(memory.open(QStringLiteral(":memory:"), &error), qPrintable(error));
        QCOMPARE(memory.walPath(), QString());
        RegistryStore::DeferredSync none(memory);
        QVERIFY(!none.active()); // no WAL file to sync: commits keep their own sync
    }
};

QTEST_GUILESS_MAIN(TestWalSync)
#include "tst_walsync.moc"
