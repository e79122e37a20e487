// SPDX-License-Identifier: GPL-2.0-or-later
// mail::addressError: the address a token mail may go to (registry-protocol.md §6.2),
// the rule of requestToken and of every client.
#include "core/MailAddress.h"

#include <QTest>

using namespace re6st;

class tst_MailAddress final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void accepted_data()
    {
        QTest::addColumn<QString>("address");
        QTest::newRow("plain") << QStringLiteral("alice@example.org");
        QTest::newRow("tag") << QStringLiteral("n1+tag@sub.example.org");
        QTest::newRow("dots") << QStringLiteral("first.last@example.org");
        QTest::newRow("single label") << QStringLiteral("root@localhost");
        QTest::newRow("utf-8") << QStringLiteral("jos\u00e9@exampl\u00e9.fr");
        QTest::newRow("254 octets") << QString(QLatin1Char('a')).repeated(64) + QLatin1Char('@')
                                               + QString(QLatin1Char('b')).repeated(189);
    }
    void accepted()
    {
        QFETCH(QString, address);
        QCOMPARE(mail::addressError(address), QString());
    }

    void refused_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty") << QString() << "it is empty";
        QTest::newRow("CR LF: SMTP command") << QStringLiteral("a@b.org>\r\nRCPT TO:<v@c.org")
                                             << "it contains the control character U+000D; give the address alone";
        QTest::newRow("LF: header") << QStringLiteral("a@b.org\nBcc: v@c.org")
                                    << "it contains the control character U+000A; give the address alone";
        QTest::newRow("NUL") << QStringLiteral("a@b.org") + QChar(0) << "it contains the control character U+0000; "
                                                                       "give the address alone";
        QTest::newRow("bidi override") << QStringLiteral("a@b\u202e.org")
                                       << "it contains the control character U+202E; give the address alone";
        QTest::newRow("line separator") << QStringLiteral("a@b\u2028.org")
                                        << "it contains the control character U+2028; give the address alone";
        QTest::newRow("tab") << QStringLiteral("a@b\t.org") << "it contains the control character U+0009; give the "
                                                               "address alone";
        QTest::newRow("space") << QStringLiteral("a b@c.org") << "it contains the space character U+0020; give the "
                                                                 "address alone";
        QTest::newRow("no-break space") << QStringLiteral("a\u00a0b@c.org")
                                        << "it contains the space character U+00A0; give the address alone";
        QTest::newRow("angle") << QStringLiteral("<a@b.org>") << "it contains '<'; give one plain address, name@domain";
        QTest::newRow("list") << QStringLiteral("a@b.org,c@d.org") << "it contains ','; give one plain address, "
                                                                      "name@domain";
        QTest::newRow("quoted") << QStringLiteral("\"a\"@b.org") << "it contains '\"'; give one plain address, "
                                                                    "name@domain";
        QTest::newRow("no @") << QStringLiteral("nobody") << "it must have the form name@domain, with one '@'";
        QTest::newRow("two @") << QStringLiteral("a@b@c.org") << "it must have the form name@domain, with one '@'";
        QTest::newRow("no name") << QStringLiteral("@c.org") << "it must have the form name@domain, with one '@'";
        QTest::newRow("no domain") << QStringLiteral("a@") << "it must have the form name@domain, with one '@'";
        QTest::newRow("leading dot") << QStringLiteral("a@.c.org") << "the domain '.c.org' has an empty label";
        QTest::newRow("trailing dot") << QStringLiteral("a@c.org.") << "the domain 'c.org.' has an empty label";
        QTest::newRow("empty label") << QStringLiteral("a@c..org") << "the domain 'c..org' has an empty label";
        QTest::newRow("255 octets") << QString(QLatin1Char('a')).repeated(64) + QLatin1Char('@')
                                               + QString(QLatin1Char('b')).repeated(190)
                                    << "it is 255 octets long; at most 254 are allowed";
        QTest::newRow("255 octets of UTF-8") << QString(QChar(0xe9)).repeated(100) + QLatin1Char('@')
                                                        + QString(QLatin1Char('b')).repeated(54)
                                             << "it is 255 octets long; at most 254 are allowed";
    }
    void refused()
    {
        QFETCH(QString, address);
        QFETCH(QString, why);
        QCOMPARE(mail::addressError(address), QStringLiteral("invalid email address: ") + why);
    }
};

QTEST_APPLESS_MAIN(tst_MailAddress)
#include "tst_mailaddress.moc"
