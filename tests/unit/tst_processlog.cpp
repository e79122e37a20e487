// SPDX-License-Identifier: GPL-2.0-or-later
// platform/ProcessLog: one escaped, capped line per message (audit F3, F8), and the
// escaping it shares with RemoteLogFilter and re6stctl (core/TextChars.h).
#include "core/TextChars.h"
#include "platform/ProcessLog.h"

#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using platform::ProcessLog;

namespace {
const QDateTime kWhen(QDate(2026, 11, 28), QTime(11, 18, 6));
} // namespace

class TstProcessLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void escaped_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        QTest::addColumn<QString>("doubled"); // Backslash::Double
        QTest::newRow("plain") << QStringLiteral("ok: café 2001:db8::1/64") << QStringLiteral("ok: café 2001:db8::1/64")
                               << QStringLiteral("ok: café 2001:db8::1/64");
        QTest::newRow("line breaks") << QStringLiteral("a\nb\rc\r\nd") << QStringLiteral("a\\x0ab\\x0dc\\x0d\\x0ad")
                                     << QStringLiteral("a\\x0ab\\x0dc\\x0d\\x0ad");
        QTest::newRow("escapes") << QStringLiteral("\x1b]0;pwned\x07\x1b[2J\x7f\t")
                                 << QStringLiteral("\\x1b]0;pwned\\x07\\x1b[2J\\x7f\\x09")
                                 << QStringLiteral("\\x1b]0;pwned\\x07\\x1b[2J\\x7f\\x09");
        QTest::newRow("C1") << QString(QChar(0x9b)) + QStringLiteral("31m") << QStringLiteral("\\x9b31m")
                            << QStringLiteral("\\x9b31m");
        QTest::newRow("separators and bidi") << QStringLiteral("a\u2028b\u2029c\u202ed\u200be")
                                             << QStringLiteral("a\\u2028b\\u2029c\\u202ed\\u200be")
                                             << QStringLiteral("a\\u2028b\\u2029c\\u202ed\\u200be");
        QTest::newRow("astral format") << QString::fromUcs4(U"tag\U000E0041") << QStringLiteral("tag\\ue0041")
                                       << QStringLiteral("tag\\ue0041");
        QTest::newRow("astral letter") << QString::fromUcs4(U"\U0001F600") << QString::fromUcs4(U"\U0001F600")
                                       << QString::fromUcs4(U"\U0001F600");
        QTest::newRow("lone surrogate") << QString(QChar(0xd800)) + u'x' << QStringLiteral("\ufffdx")
                                        << QStringLiteral("\ufffdx"); // decoded as U+FFFD
        QTest::newRow("backslash") << QStringLiteral("C:\\x0a") << QStringLiteral("C:\\x0a") << QStringLiteral("C:\\\\x0a");
    }
    void escaped()
    {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QFETCH(QString, doubled);
        QCOMPARE(text::escaped(in), out);
        QCOMPARE(text::escaped(in, text::Backslash::Double), doubled);
        QCOMPARE(text::escaped(out), out); // escaping twice changes nothing
    }

    void lineFormat()
    {
        QCOMPARE(ProcessLog::line(QtInfoMsg, "re6st.registry", QStringLiteral("hello"), kWhen),
                 QByteArray("2026-11-28 11:18:06 INFO     re6st.registry: hello\n"));
        QCOMPARE(ProcessLog::line(QtWarningMsg, "default", QStringLiteral("x"), kWhen),
                 QByteArray("2026-11-28 11:18:06 WARNING  x\n"));
        QCOMPARE(ProcessLog::line(QtCriticalMsg, nullptr, QStringLiteral("x"), kWhen),
                 QByteArray("2026-11-28 11:18:06 ERROR    x\n"));
    }

    // The reproduction of audit F3: an X-Forwarded-For value that forges a line and
    // sends terminal escapes.
    void forgedLineStaysOnOne()
    {
        const QString xff = QStringLiteral("10.0.0.1\n2026-11-28 11:20:00 WARNING  re6st.registry: revoked "
                                           "certificate 5/16 serial 9 \x1b]0;pwned\x07\x1b[2J\r<3>x\u2028y");
        const QByteArray line = ProcessLog::line(
            QtWarningMsg, "re6st.registry",
            QStringLiteral("private method versions refused to 127.0.0.1 (X-Forwarded-For %1)").arg(xff), kWhen);
        QCOMPARE(line.count('\n'), 1);
        QVERIFY(line.endsWith('\n'));
        QVERIFY(!line.contains('\r'));
        QVERIFY(!line.contains('\x1b'));
        QVERIFY(!line.contains('\x07'));
        QVERIFY(!line.contains("\xe2\x80\xa8"));
        QCOMPARE(line, QByteArray("2026-11-28 11:18:06 WARNING  re6st.registry: private method versions refused to "
                                  "127.0.0.1 (X-Forwarded-For 10.0.0.1\\x0a2026-11-28 11:20:00 WARNING  "
                                  "re6st.registry: revoked certificate 5/16 serial 9 \\x1b]0;pwned\\x07\\x1b[2J"
                                  "\\x0d<3>x\\u2028y)\n"));
    }

    void longMessageIsCapped()
    {
        const QString message = QString(ProcessLog::kMaxMessageChars - 1, u'a') + QStringLiteral("\n") + QString(60000, u'b');
        const QByteArray line = ProcessLog::line(QtInfoMsg, nullptr, message, kWhen);
        const QByteArray head = "2026-11-28 11:18:06 INFO     ";
        QCOMPARE(line, head + QByteArray(ProcessLog::kMaxMessageChars - 1, 'a') + "\\x0a [60000 more characters not logged]\n");
        // Exactly at the cap: no note.
        const QString full(ProcessLog::kMaxMessageChars, u'c');
        QCOMPARE(ProcessLog::line(QtInfoMsg, nullptr, full, kWhen), head + full.toLatin1() + '\n');
    }

    // Through the installed handler, into the log file.
    void handlerWritesOneLine()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("sub/re6stnet.log"));
        const QtMessageHandler previous = qInstallMessageHandler(nullptr);
        QCOMPARE(ProcessLog::install(path, 1, false), QString());
        qWarning("connection \"%s\" conflicts", "Wi-Fi\n2026-01-01 00:00:00 INFO     forged\x1b[8m");
        qInfo("not logged at -v 1");
        qInstallMessageHandler(previous);
        ProcessLog::install(QString(), 2, false); // closes the file
        qInstallMessageHandler(previous);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray content = file.readAll();
        QCOMPARE(content.count('\n'), 1);
        QVERIFY2(content.endsWith("WARNING  connection \"Wi-Fi\\x0a2026-01-01 00:00:00 INFO     forged\\x1b[8m\" "
                                  "conflicts\n"),
                 content.constData());
    }
};

QTEST_GUILESS_MAIN(TstProcessLog)
#include "tst_processlog.moc"
