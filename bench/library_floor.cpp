// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-bench-floor: the memory floor of re6stnet's libraries (issue 3 §4). It
// links what the daemon links (Qt Core, Network, DBus, Sql; OpenSSL through
// core/crypto), makes each of them initialise as the daemon does (an event loop,
// a QNetworkAccessManager, an SQLite database with a query, a D-Bus message, one
// RSA key read and one signature), then idles on a 1 s timer until SIGTERM.
// bench/run-node-idle-bench.sh prints its RSS next to the daemon's: what no code
// of ours could go under while it uses these shared libraries.
#include "core/crypto/RsaKey.h"

#include <QCoreApplication>
#include <QDBusMessage>
#include <QFile>
#include <QNetworkAccessManager>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTimer>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: re6st-bench-floor KEY.pem (any RSA private key)\n");
        return 2;
    }
    QFile file(QString::fromLocal8Bit(argv[1]));
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "re6st-bench-floor: cannot read %s\n", argv[1]);
        return 1;
    }
    const auto key = re6st::crypto::RsaKey::fromPem(file.readAll());
    if (!key || !key->signSha512("floor")) {
        std::fprintf(stderr, "re6st-bench-floor: %s is not an RSA private key\n", argv[1]);
        return 1;
    }
    QNetworkAccessManager nam;
    auto db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"));
    db.setDatabaseName(QStringLiteral(":memory:"));
    if (!db.open() || !QSqlQuery(db).exec(QStringLiteral("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB)"))) {
        std::fprintf(stderr, "re6st-bench-floor: SQLite does not open\n");
        return 1;
    }
    const QDBusMessage message = QDBusMessage::createSignal(QStringLiteral("/"), QStringLiteral("org.re6st.Floor"),
                                                            QStringLiteral("Idle"));
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, &app, [] {});
    tick.start(1000);
    return message.type() == QDBusMessage::SignalMessage ? app.exec() : 1;
}
