// SPDX-License-Identifier: GPL-2.0-or-later
// registry-protocol.md §3.1 against crypto/packinteger.json produced by upstream.
#include "Vectors.h"
#include "core/PackInteger.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace re6st;

class TestPackInteger final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void pack()
    {
        const QJsonObject doc = test::vectorJson("crypto/packinteger.json").object();
        int packed = 0, overflow = 0;
        for (const QJsonValue &v : doc["pack"].toArray()) {
            const QJsonObject row = v.toObject();
            bool ok = false;
            const quint64 value = row["value"].toString().toULongLong(&ok);
            const auto out = packInteger(value);
            if (row["packed"].isNull()) {
                QVERIFY2(!ok || !out, qPrintable(row["value"].toString()));
                ++overflow;
                continue;
            }
            QVERIFY(ok);
            QVERIFY(out);
            QCOMPARE(out->toHex(), row["packed"].toString().toLatin1());
            const auto back = unpackInteger(*out + QByteArray::fromHex("abcd"));
            QVERIFY(back);
            QCOMPARE(back->first, value);
            QCOMPARE(back->second, int(out->size()));
            ++packed;
        }
        QVERIFY(packed >= 20);
        QVERIFY(overflow >= 2);
        QVERIFY(!packInteger(kPackIntegerMax + 1));
        QCOMPARE(packInteger(kPackIntegerMax)->toHex(), QByteArray("ffffffffffffffff"));
    }

    void unpack()
    {
        const QJsonObject doc = test::vectorJson("crypto/packinteger.json").object();
        for (const QJsonValue &v : doc["unpack"].toArray()) {
            const QJsonObject row = v.toObject();
            const auto out = unpackInteger(QByteArray::fromHex(row["input"].toString().toLatin1()));
            if (row["result"].isNull()) {
                QVERIFY(!out);
                continue;
            }
            const QJsonArray r = row["result"].toArray();
            QVERIFY(out);
            QCOMPARE(out->first, r[0].toString().toULongLong());
            QCOMPARE(out->second, r[1].toInt());
        }
        QVERIFY(!unpackInteger(QByteArray()));
    }

    void orderPreserving()
    {
        // §3.1: byte-wise comparison of packed values equals numeric comparison.
        QByteArray previous = *packInteger(0);
        for (quint64 v : {1ull, 31ull, 32ull, 255ull, 8223ull, 8224ull, 70000ull, 1ull << 40, kPackIntegerMax}) {
            const QByteArray next = *packInteger(v);
            QVERIFY(previous < next);
            previous = next;
        }
    }
};

QTEST_GUILESS_MAIN(TestPackInteger)
#include "tst_packinteger.moc"
