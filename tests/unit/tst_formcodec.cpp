// SPDX-License-Identifier: GPL-2.0-or-later
// registry-protocol.md §4.1 (server decoding) and §4.4 (client quote_plus).
#include "core/FormCodec.h"

#include <QtTest>

using namespace re6st;

class TestFormCodec final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void quotePlusLikePython()
    {
        QCOMPARE(formcodec::quotePlus("abcXYZ019_.-~"), QByteArray("abcXYZ019_.-~"));
        QCOMPARE(formcodec::quotePlus("a b+c/d=e\n"), QByteArray("a+b%2Bc%2Fd%3De%0A"));
        QCOMPARE(formcodec::quotePlus("x@y.z"), QByteArray("x%40y.z"));
        QCOMPARE(formcodec::quotePlus("\xc3\xa9"), QByteArray("%C3%A9"));
        QCOMPARE(formcodec::encode({{"client_prefix", "0000000011111111"}, {"protocol", "7"}}),
                 QByteArray("client_prefix=0000000011111111&protocol=7"));
        QCOMPARE(formcodec::encode({{"token", "abcdefgh"},
                                    {"req", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB+/a=\n"},
                                    {"location", ""},
                                    {"ip", ""}}),
                 QByteArray("token=abcdefgh&req=-----BEGIN+CERTIFICATE+REQUEST-----%0AMIIB%2B%2Fa%3D%0A&location=&ip="));
    }

    void decodeStrict()
    {
        const auto p = formcodec::decode("a=1&b=&c=x+y%2Bz&a=2");
        QVERIFY(p);
        QCOMPARE(p->size(), 4);
        QCOMPARE(p->at(1), (QPair<QByteArray, QByteArray>("b", "")));
        QCOMPARE(p->at(2).second, QByteArray("x y+z"));
        QCOMPARE(formcodec::decode("")->size(), 0);
        QVERIFY(!formcodec::decode("a"));
        QVERIFY(!formcodec::decode("a=1&&b=2"));
        QVERIFY(!formcodec::decode("a=%zz"));
        QVERIFY(!formcodec::decode("a=%2"));
        QVERIFY(!formcodec::decode("a=%"));
    }

    void roundTrip()
    {
        QByteArray all;
        for (int i = 0; i < 256; ++i) all += char(i);
        const auto p = formcodec::decode(formcodec::encode({{"v", all}}));
        QVERIFY(p);
        QCOMPARE(p->first().second, all);
    }
};

QTEST_GUILESS_MAIN(TestFormCodec)
#include "tst_formcodec.moc"
