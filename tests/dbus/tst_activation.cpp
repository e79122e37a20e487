// SPDX-License-Identifier: GPL-2.0-or-later
// D-Bus activation (dbus/org.re6st.Node.service): the first call to org.re6st.Node
// starts `re6stnet --dbus-service`, which answers although nothing is enrolled yet.
// The shipped file is used as is, except for the paths of this build tree.
#include "PrivateBus.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusVariant>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <unistd.h>

class TestActivation final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    re6st::test::PrivateBus m_bus;
    qint64 m_activatedPid = 0;

    static QString source() { return qEnvironmentVariable("RE6ST_SOURCE_DIR", QStringLiteral(RE6ST_SOURCE_DIR_FALLBACK)); }

private Q_SLOTS:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("re6stnet runs as root only");
        if (re6st::test::PrivateBus::daemonPath().isEmpty())
            QSKIP("dbus-daemon not installed (Debian package `dbus`)");
        QVERIFY(m_tmp.isValid());
        QFile shipped(source() + QStringLiteral("/dbus/org.re6st.Node.service"));
        QVERIFY(shipped.open(QIODevice::ReadOnly));
        QString text = QString::fromUtf8(shipped.readAll());
        const QString exec = QStringLiteral("Exec=/usr/sbin/re6stnet --dbus-service");
        QVERIFY2(text.contains(exec), "the activation file runs /usr/sbin/re6stnet --dbus-service");
        text.replace(exec, QStringLiteral("Exec=%1/re6stnet --dbus-service --config-dir %2/etc -l %2/log -r %2/run -s %2/state")
                               .arg(qEnvironmentVariable("RE6ST_BIN_DIR"), m_tmp.path()));
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("services"))));
        QFile service(m_tmp.filePath(QStringLiteral("services/org.re6st.Node.service")));
        QVERIFY(service.open(QIODevice::WriteOnly) && service.write(text.toUtf8()) > 0);
        service.close();
        QFile extra(m_tmp.filePath(QStringLiteral("servicedir.conf")));
        QVERIFY(extra.open(QIODevice::WriteOnly));
        extra.write(QStringLiteral("<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                                   " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                                   "<busconfig><servicedir>%1</servicedir></busconfig>\n")
                        .arg(m_tmp.filePath(QStringLiteral("services")))
                        .toUtf8());
        extra.close();
        QString error;
        QVERIFY2(m_bus.start({source() + QStringLiteral("/dbus/org.re6st.Node.conf"), extra.fileName()}, &error),
                 qPrintable(error));
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), QStringLiteral("client")).isConnected());
    }

    void cleanupTestCase()
    {
        if (m_activatedPid > 0) {
            ::kill(pid_t(m_activatedPid), SIGTERM);
            QDBusConnection bus(QStringLiteral("client"));
            QTRY_VERIFY_WITH_TIMEOUT(!bus.interface()->isServiceRegistered(QStringLiteral("org.re6st.Node")).value(), 30000);
        }
        QDBusConnection::disconnectFromBus(QStringLiteral("client"));
        m_bus.stop();
    }

    void firstCallStartsTheDaemon()
    {
        QDBusConnection bus(QStringLiteral("client"));
        QVERIFY(!bus.interface()->isServiceRegistered(QStringLiteral("org.re6st.Node")).value());
        QDBusMessage get = QDBusMessage::createMethodCall(QStringLiteral("org.re6st.Node"), QStringLiteral("/org/re6st/Node"),
                                                          QStringLiteral("org.freedesktop.DBus.Properties"), QStringLiteral("Get"));
        get << QStringLiteral("org.re6st.Node1") << QStringLiteral("Enrolled");
        const QDBusMessage reply = bus.call(get, QDBus::Block, 60000);
        QVERIFY2(reply.type() == QDBusMessage::ReplyMessage, qPrintable(reply.errorMessage()));
        QCOMPARE(reply.arguments().value(0).value<QDBusVariant>().variant().toBool(), false);
        m_activatedPid = bus.interface()->servicePid(QStringLiteral("org.re6st.Node")).value();
        QVERIFY(m_activatedPid > 0);
        QCOMPARE(bus.interface()->serviceUid(QStringLiteral("org.re6st.Node")).value(), 0u);
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(m_activatedPid));
        QVERIFY(cmdline.open(QIODevice::ReadOnly));
        QVERIFY(cmdline.readAll().contains("--dbus-service"));
    }
};

QTEST_GUILESS_MAIN(TestActivation)
#include "tst_activation.moc"
