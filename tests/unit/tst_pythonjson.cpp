// SPDX-License-Identifier: GPL-2.0-or-later
// registry-protocol.md §9.3: last_config text exactly as Python json.dumps(sort_keys=True).
#include "core/PythonJson.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace re6st;

class TestPythonJson final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void specExample()
    {
        QJsonObject o;
        o["babel_default"] = "max-rtt-penalty 5000 rtt-max 500 rtt-decay 125";
        o["crl"] = QJsonArray{3, 7};
        o["protocol"] = 10;
        o["registry_prefix"] = "0000000000000000";
        o["ipv4"] = "10.42.0.0/16";
        o["ipv4_sublen"] = 8;
        o["same_country"] = QJsonArray{"FR"};
        o["client_count"] = 10;
        o["encrypt"] = false;
        o["hello"] = 15;
        o["max_clients"] = 20;
        o["min_protocol"] = 1;
        o["tunnel_refresh"] = 300;
        QCOMPARE(pythonJsonDumps(o),
                 QByteArray("{\"babel_default\": \"max-rtt-penalty 5000 rtt-max 500 rtt-decay 125\", "
                            "\"client_count\": 10, \"crl\": [3, 7], \"encrypt\": false, \"hello\": 15, "
                            "\"ipv4\": \"10.42.0.0/16\", \"ipv4_sublen\": 8, \"max_clients\": 20, "
                            "\"min_protocol\": 1, \"protocol\": 10, \"registry_prefix\": \"0000000000000000\", "
                            "\"same_country\": [\"FR\"], \"tunnel_refresh\": 300}"));
    }

    void escapesAndFloats()
    {
        QCOMPARE(pythonJsonDumps(QJsonValue(QString::fromUtf8("é\"\\\n\x01"))),
                 QByteArray("\"\\u00e9\\\"\\\\\\n\\u0001\""));
        QCOMPARE(pythonJsonDumps(QJsonValue(QString::fromUtf8("\xf0\x9f\x98\x80"))), QByteArray("\"\\ud83d\\ude00\""));
        QCOMPARE(pythonJsonDumps(QJsonValue(1718000000.25)), QByteArray("1718000000.25"));
        QCOMPARE(pythonJsonDumps(QJsonValue(0.5)), QByteArray("0.5"));
        QCOMPARE(pythonJsonDumps(QJsonValue()), QByteArray("null"));
        QCOMPARE(pythonJsonDumps(QJsonArray{}), QByteArray("[]"));
        QCOMPARE(pythonJsonDumps(QJsonObject{}), QByteArray("{}"));
        QCOMPARE(pythonJsonDumps(QJsonObject{{"b", 1}, {"a", QJsonObject{{"", true}}}}),
                 QByteArray("{\"a\": {\"\": true}, \"b\": 1}"));
    }
};

QTEST_GUILESS_MAIN(TestPythonJson)
#include "tst_pythonjson.moc"
