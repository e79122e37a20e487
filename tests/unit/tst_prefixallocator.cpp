// SPDX-License-Identifier: GPL-2.0-or-later
// Buddy prefix allocation and merging, registry-protocol.md §7.3 / §7.4.
#include "Vectors.h"
#include "registry/PrefixAllocator.h"
#include "registry/RegistryStore.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using re6st::registry::PrefixAllocator;
using re6st::registry::RegistryStore;

namespace {

// CN form "<value>/<bits>" (§2.2) for prefixes up to 64 bits.
QString cn(const QByteArray &bits)
{
    bool ok = false;
    const quint64 value = bits.isEmpty() ? 0 : bits.toULongLong(&ok, 2);
    return QStringLiteral("%1/%2").arg(value).arg(bits.size());
}

QStringList prefixes(const QList<RegistryStore::CertRow> &rows)
{
    QStringList out;
    for (const auto &r : rows)
        out << QString::fromLatin1(r.prefix);
    return out;
}

// The rows must always partition the whole space (§7.3): the sum of 2^-len is 1
// and no row is a prefix of another.
bool isPartition(const QList<RegistryStore::CertRow> &rows, int maxLength)
{
    long double total = 0;
    for (int i = 0; i < rows.size(); ++i) {
        total += std::ldexp(1.0L, -int(rows.at(i).prefix.size()));
        if (rows.at(i).prefix.size() > maxLength)
            return false;
        if (i + 1 < rows.size() && rows.at(i + 1).prefix.startsWith(rows.at(i).prefix))
            return false;
    }
    return total == 1.0L;
}

} // namespace

class TestPrefixAllocator final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_dbCount = 0;

    bool freshStore(RegistryStore &store)
    {
        QString error;
        const bool ok = store.open(m_dir.filePath(QStringLiteral("r%1.db").arg(++m_dbCount)), &error);
        if (!ok)
            qWarning() << error;
        return ok;
    }

    // Allocates and marks the prefix used, like requestCertificate does.
    static QByteArray take(RegistryStore &store, PrefixAllocator &alloc, int length,
                           const QByteArray &community = {})
    {
        RegistryStore::Transaction t(store);
        QString error;
        const auto p = alloc.allocate(length, community, &error);
        if (!p) {
            qWarning() << error;
            return {};
        }
        store.setRow({*p, QStringLiteral("n@example.com"), "PEM"});
        t.commit();
        return *p;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void sequentialWithoutCommunity()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 48);
        QByteArray p = take(store, alloc, 16);
        QCOMPARE(p, QByteArray("0000000000000000"));
        QCOMPARE(cn(p), QStringLiteral("0/16"));
        QCOMPARE(take(store, alloc, 16), QByteArray("0000000000000001"));
        QCOMPARE(cn(take(store, alloc, 16)), QStringLiteral("2/16"));
        QCOMPARE(cn(take(store, alloc, 16)), QStringLiteral("3/16"));
        QCOMPARE(cn(take(store, alloc, 16)), QStringLiteral("4/16"));
        // A shorter request takes the first aligned free block.
        QCOMPARE(take(store, alloc, 14), QByteArray("00000000000010"));
        QCOMPARE(cn(take(store, alloc, 16)), QStringLiteral("5/16"));
        QVERIFY(isPartition(store.rows(), 80));
        // Same shape as the upstream DB after 0..4/16 were issued: buddies 1, 01, 001...
        QVERIFY(store.row("1")->isFree());
        QVERIFY(store.row("01")->isFree());
    }

    void community001()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 48);
        const QByteArray a = take(store, alloc, 13, "001");
        QCOMPARE(a.size(), 16);
        QCOMPARE(cn(a), QStringLiteral("8192/16"));
        QCOMPARE(cn(take(store, alloc, 13, "001")), QStringLiteral("8193/16"));
        QCOMPARE(cn(take(store, alloc, 13, "010")), QStringLiteral("16384/16"));
        QCOMPARE(cn(take(store, alloc, 13, "000")), QStringLiteral("0/16"));
        QCOMPARE(cn(take(store, alloc, 13, "010")), QStringLiteral("16385/16"));
        QCOMPARE(cn(take(store, alloc, 13, "001")), QStringLiteral("8194/16"));
        QVERIFY(isPartition(store.rows(), 80));
        // No community: the longest free row, smallest first: inside 000.
        QCOMPARE(cn(take(store, alloc, 16)), QStringLiteral("1/16"));
    }

    void communityShorterRequest()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 48);
        // community "1" + 3 bits: first is 1000.
        QCOMPARE(take(store, alloc, 3, "1"), QByteArray("1000"));
        QCOMPARE(take(store, alloc, 3, "1"), QByteArray("1001"));
        QCOMPARE(take(store, alloc, 2, "1"), QByteArray("101"));
    }

    void exhaustion()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 124); // 4 bits of space
        QStringList got;
        for (int i = 0; i < 3; ++i)
            got << QString::fromLatin1(take(store, alloc, 2));
        QCOMPARE(got, (QStringList{"00", "01", "10"}));
        RegistryStore::Transaction t(store);
        QString error;
        QVERIFY(alloc.allocate(2, {}, &error));
        store.setRow({"11", QString(), "PEM"});
        QVERIFY(!alloc.allocate(2, {}, &error));
        QVERIFY2(error.contains(QStringLiteral("No more free /2 prefix")), qPrintable(error));
        QVERIFY(!alloc.allocate(1, {}, &error)); // all 4 used
        t.commit();
    }

    void exhaustionInCommunity()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 120); // 8 bits
        // Full length: the all-zero host after the community is reserved (§7.3 step 5).
        QCOMPARE(take(store, alloc, 1, "0101010"), QByteArray("01010101"));
        QVERIFY(store.row("01010100")->isReserved());
        QString error;
        QVERIFY(!alloc.allocate(1, "0101010", &error));
        QVERIFY2(error.contains(QStringLiteral("No more free /8 prefix in community 0101010")), qPrintable(error));
        // Other communities are unaffected.
        QCOMPARE(take(store, alloc, 1, "1"), QByteArray("10"));
    }

    void invalidLengths()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 126);
        QString error;
        QVERIFY(!alloc.allocate(0, {}, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(!alloc.allocate(3, {}, &error)); // > 128 - 126
        QVERIFY(!alloc.allocate(2, "1", &error)); // 2 + 1 > 2
        QVERIFY(!alloc.allocate(1, "x", &error));
        QCOMPARE(store.rows().size(), 1); // nothing split
    }

    void allZeroHostReserved()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 126); // 2 bits: full-length prefixes are /128
        // 00 would be the all-zero /128 host: reserved, then 01 is returned.
        QCOMPARE(take(store, alloc, 2), QByteArray("01"));
        QVERIFY(store.row("00")->isReserved());
        QCOMPARE(take(store, alloc, 2), QByteArray("10"));
        QCOMPARE(take(store, alloc, 2), QByteArray("11"));
        QString error;
        QVERIFY(!alloc.allocate(2, {}, &error));

        // With a community, the zero host after the community bits is reserved.
        RegistryStore store2;
        QVERIFY(freshStore(store2));
        PrefixAllocator alloc2(store2, 124);
        QCOMPARE(take(store2, alloc2, 2, "10"), QByteArray("1001"));
        QVERIFY(store2.row("1000")->isReserved());
        // Not at maximal length: 0000 is fine as a /127.
        RegistryStore store3;
        QVERIFY(freshStore(store3));
        PrefixAllocator alloc3(store3, 124);
        QCOMPARE(take(store3, alloc3, 3), QByteArray("000"));
    }

    void freeThenMerge()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 48);
        QList<QByteArray> issued;
        for (int i = 0; i < 6; ++i)
            issued << take(store, alloc, 16);
        const int before = store.rows().size();
        // 6 leaves (0..5/16), 13 buddies "1", "01", ..., "0000000000001" and "000000000000011".
        QCOMPARE(before, 20);
        QVERIFY(store.row("000000000000011")->isFree());

        {
            RegistryStore::Transaction t(store);
            store.freeRow(issued.at(4)); // 4/16
            store.freeRow(issued.at(5)); // 5/16
            alloc.mergeFree();
            QVERIFY(t.commit());
        }
        // 4/16 + 5/16 -> 000000000000010, which merges with 000000000000011.
        QCOMPARE(store.rows().size(), 18);
        QVERIFY(store.row("00000000000001")->isFree());
        QVERIFY(!store.row(issued.at(4)));
        QVERIFY(isPartition(store.rows(), 80));

        {
            RegistryStore::Transaction t(store);
            for (const QByteArray &p : issued)
                store.freeRow(p);
            alloc.mergeFree();
            QVERIFY(t.commit());
        }
        QCOMPARE(prefixes(store.rows()), QStringList{QString()}); // back to the root
        // Allocation restarts at 0/16.
        QCOMPARE(cn(take(store, alloc, 16)), QStringLiteral("0/16"));
    }

    void mergeKeepsReservedAndNonSiblings()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 126);
        QCOMPARE(take(store, alloc, 2), QByteArray("01")); // 00 reserved
        QCOMPARE(take(store, alloc, 2), QByteArray("10"));
        RegistryStore::Transaction t(store);
        store.freeRow("01");
        alloc.mergeFree();
        // 01 cannot merge with reserved 00; 10 is allocated, 11 free stays.
        QCOMPARE(prefixes(store.rows()), (QStringList{"00", "01", "10", "11"}));
        store.freeRow("10");
        alloc.mergeFree(); // full-length /128 rows merge too (§7.4 audit note)
        QCOMPARE(prefixes(store.rows()), (QStringList{"00", "01", "1"}));
        QVERIFY(store.row("00")->isReserved());
        QVERIFY(t.commit());
    }

    void mergeOnUpstreamDb()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("registry.db"));
        QVERIFY(QFile::copy(re6st::test::vectorPath(QStringLiteral("registry-db/registry.db")), path));
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        RegistryStore store;
        QString error;
        QVERIFY2(store.open(path, &error), qPrintable(error));
        PrefixAllocator alloc(store, 48);
        QCOMPARE(store.rows().size(), 29);

        // The upstream DB is already merged: nothing to do.
        {
            RegistryStore::Transaction t(store);
            alloc.mergeFree();
            QVERIFY(t.commit());
        }
        QCOMPARE(store.rows().size(), 29);
        QVERIFY(isPartition(store.rows(), 80));

        // Freeing the anonymous /24 merges its 8 free buddies up to 0000000000000110,
        // which then merges with the free 0000000000000111 into 000000000000011.
        {
            RegistryStore::Transaction t(store);
            store.freeRow("000000000000011000000000");
            alloc.mergeFree();
            QVERIFY(t.commit());
        }
        QCOMPARE(store.rows().size(), 29 - 9);
        QVERIFY(store.row("000000000000011")->isFree());
        // 0000000000000101 (freed by the revocation) stays: its buddy 4/16 is allocated.
        QVERIFY(store.row("0000000000000101")->isFree());
        QVERIFY(isPartition(store.rows(), 80));

        // The next /16 reuses the revoked 5/16.
        QCOMPARE(cn(take(store, alloc, 16)), QStringLiteral("5/16"));
        QCOMPARE(cn(take(store, alloc, 16)), QStringLiteral("6/16"));
    }

    void allocationNeedsTransactionToPersist()
    {
        RegistryStore store;
        QVERIFY(freshStore(store));
        PrefixAllocator alloc(store, 48);
        {
            RegistryStore::Transaction t(store);
            QString error;
            QVERIFY(alloc.allocate(16, {}, &error));
        } // rolled back
        QCOMPARE(store.rows().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestPrefixAllocator)
#include "tst_prefixallocator.moc"
