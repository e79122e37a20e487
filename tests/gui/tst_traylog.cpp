// SPDX-License-Identifier: GPL-2.0-or-later
// TrayLog: re6st-tray's messages reach stderr escaped (no line breaks, terminal
// escapes or bidi overrides from the daemon's or the registry's text) and capped.
#include "TrayLog.h"

#include <QTemporaryFile>
#include <QtTest>

#include <unistd.h>

using re6st::gui::TrayLog;

class TestTrayLog final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void inert_data()
    {
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("written");
        QTest::newRow("plain") << "enrolled as 1/16" << "enrolled as 1/16";
        QTest::newRow("line break") << "a\nfake line" << "a\\x0afake line";
        QTest::newRow("terminal escape") << "\x1b[2Jcleared" << "\\x1b[2Jcleared";
        QTest::newRow("bidi override") << QString::fromUtf8("peer \u202egnp.exe") << "peer \\u202egnp.exe";
        QTest::newRow("already escaped") << "a\\x0ab" << "a\\x0ab";
        QTest::newRow("unicode kept") << QString::fromUtf8("réseau ✓") << QString::fromUtf8("réseau ✓");
    }
    void inert()
    {
        QFETCH(QString, message);
        QFETCH(QString, written);
        QCOMPARE(TrayLog::inert(message), written);
    }

    void capped()
    {
        const QString big(TrayLog::kMaxMessageChars + 10, u'x');
        QCOMPARE(TrayLog::inert(big),
                 QString(TrayLog::kMaxMessageChars, u'x') + QStringLiteral(" [10 more characters not logged]"));
    }

    // The installed handler, on the real stderr (redirected to a file here).
    void handlerWritesOneInertLine()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        fflush(stderr);
        const int saved = dup(STDERR_FILENO);
        QVERIFY(saved >= 0);
        QVERIFY(dup2(file.handle(), STDERR_FILENO) >= 0);
        qSetMessagePattern(QStringLiteral("%{type}: %{message}"));
        TrayLog::install();
        qWarning("registry said: %s", "bad\ntoken\x1b]0;owned\x07");
        qInstallMessageHandler(nullptr);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        QFile read(file.fileName());
        QVERIFY(read.open(QIODevice::ReadOnly));
        QCOMPARE(read.readAll(), QByteArray("warning: registry said: bad\\x0atoken\\x1b]0;owned\\x07\n"));
    }
};

QTEST_GUILESS_MAIN(TestTrayLog)
#include "tst_traylog.moc"
