<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>DaemonErrorText</name>
    <message>
        <source>The re6st daemon stopped before answering: it restarted or crashed. Check its logs (journalctl -u re6stnet), then try again.</source>
        <translation>Der re6st-Daemon wurde vor seiner Antwort beendet: Er wurde neu gestartet oder ist abgestürzt. Prüfen Sie seine Protokolle (journalctl -u re6stnet) und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>You are not allowed to do this: the system&apos;s policy (polkit) refused it. Ask an administrator, or check that polkit and an authentication agent run.</source>
        <translation>Sie dürfen diese Aktion nicht ausführen: Die Richtlinie des Systems (polkit) hat sie abgelehnt. Wenden Sie sich an einen Administrator oder prüfen Sie, ob polkit und ein Authentifizierungsagent laufen.</translation>
    </message>
    <message>
        <source>This computer has no re6st certificate yet: join a network first.</source>
        <translation>Dieser Computer hat noch kein re6st-Zertifikat: Treten Sie zuerst einem Netzwerk bei.</translation>
    </message>
    <message>
        <source>The re6st daemon is not ready yet; try again in a few seconds.</source>
        <translation>Der re6st-Daemon ist noch nicht bereit; versuchen Sie es in einigen Sekunden erneut.</translation>
    </message>
    <message>
        <source>The routing daemon (babeld) does not answer, so routes are unknown; start the node and try again.</source>
        <translation>Der Routing-Daemon (babeld) antwortet nicht, daher sind die Routen unbekannt; starten Sie den Knoten und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The re6st daemon is not running; start the re6stnet service and try again.</source>
        <translation>Der re6st-Daemon läuft nicht; starten Sie den Dienst re6stnet und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The re6st daemon did not answer in time; try again, and check its logs (journalctl -u re6stnet).</source>
        <translation>Der re6st-Daemon hat nicht rechtzeitig geantwortet; versuchen Sie es erneut und prüfen Sie seine Protokolle (journalctl -u re6stnet).</translation>
    </message>
    <message>
        <source>The re6st daemon reported a failure; check its logs (journalctl -u re6stnet).</source>
        <translation>Der re6st-Daemon hat einen Fehler gemeldet; prüfen Sie seine Protokolle (journalctl -u re6stnet).</translation>
    </message>
    <message>
        <source>%1

Details: %2</source>
        <translation>%1

Details: %2</translation>
    </message>
</context>
<context>
    <name>NeighbourhoodGraph</name>
    <message>
        <source>us</source>
        <translation>wir</translation>
    </message>
    <message>
        <source>This node</source>
        <translation>Dieser Knoten</translation>
    </message>
    <message>
        <source>Prefix: %1</source>
        <translation>Präfix: %1</translation>
    </message>
    <message>
        <source>Address: %1</source>
        <translation>Adresse: %1</translation>
    </message>
    <message>
        <source>Direct neighbours: %1, other nodes: %2</source>
        <translation>Direkte Nachbarn: %1, andere Knoten: %2</translation>
    </message>
    <message>
        <source>Babel neighbour %1</source>
        <translation>Babel-Nachbar %1</translation>
    </message>
    <message>
        <source>Direct peer %1</source>
        <translation>Direkter Peer %1</translation>
    </message>
    <message>
        <source>Over our tunnel %1</source>
        <translation>Über unseren Tunnel %1</translation>
    </message>
    <message>
        <source>On interface %1, without a tunnel</source>
        <translation>An der Schnittstelle %1, ohne Tunnel</translation>
    </message>
    <message>
        <source>Node %1</source>
        <translation>Knoten %1</translation>
    </message>
    <message>
        <source>Reached via %1 (next hop %2 on %3)</source>
        <translation>Erreicht über %1 (nächster Hop %2 an %3)</translation>
    </message>
    <message>
        <source>RTT: %1 ms</source>
        <translation>RTT: %1 ms</translation>
    </message>
    <message>
        <source>Route metric: %1</source>
        <translation>Routenmetrik: %1</translation>
    </message>
</context>
<context>
    <name>NodeState</name>
    <message>
        <source>re6st daemon not running</source>
        <translation>Der re6st-Daemon läuft nicht</translation>
    </message>
    <message>
        <source>Not part of a re6st network yet</source>
        <translation>Noch kein Mitglied eines re6st-Netzwerks</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Gestoppt</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbindung wird hergestellt…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Connected, registry unreachable</source>
        <translation>Verbunden, Registry nicht erreichbar</translation>
    </message>
    <message>
        <source>Connected, certificate expiring soon</source>
        <translation>Verbunden, Zertifikat läuft bald ab</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Wird gestoppt…</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Start the re6stnet service (systemctl start re6stnet) or install re6st.</source>
        <translation>Starten Sie den Dienst re6stnet (systemctl start re6stnet) oder installieren Sie re6st.</translation>
    </message>
    <message>
        <source>Use “Join a network…” to enroll this computer.</source>
        <translation>Verwenden Sie „Einem Netzwerk beitreten…“, um diesen Computer zu registrieren.</translation>
    </message>
    <message>
        <source>Use “Start” to connect.</source>
        <translation>Verwenden Sie „Starten“, um die Verbindung herzustellen.</translation>
    </message>
    <message>
        <source>Getting the network configuration and opening the first tunnels to other nodes.</source>
        <translation>Die Netzwerkkonfiguration wird abgerufen und die ersten Tunnel zu anderen Knoten werden geöffnet.</translation>
    </message>
    <message>
        <source>The network works; the certificate cannot be renewed until the registry answers again.</source>
        <translation>Das Netzwerk funktioniert; das Zertifikat kann erst erneuert werden, wenn die Registry wieder antwortet.</translation>
    </message>
    <message>
        <source>Make sure the registry is reachable so that the certificate gets renewed.</source>
        <translation>Sorgen Sie dafür, dass die Registry erreichbar ist, damit das Zertifikat erneuert wird.</translation>
    </message>
    <message>
        <source>Closing the tunnels; this takes a few seconds at most.</source>
        <translation>Die Tunnel werden geschlossen; das dauert höchstens einige Sekunden.</translation>
    </message>
    <message>
        <source>See the details in the window, or the logs (journalctl -u re6stnet).</source>
        <translation>Details finden Sie im Fenster oder in den Protokollen (journalctl -u re6stnet).</translation>
    </message>
</context>
<context>
    <name>PeerReach</name>
    <message>
        <source>direct tunnel (%1)</source>
        <translation>direkter Tunnel (%1)</translation>
    </message>
    <message>
        <source>via %1 (%2)</source>
        <translation>über %1 (%2)</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>re6st</source>
        <translation>re6st</translation>
    </message>
    <message>
        <source>The re6st node in the system tray.</source>
        <translation>Der re6st-Knoten im Infobereich der Kontrollleiste.</translation>
    </message>
    <message>
        <source>Open the window at start, on TAB (%1).</source>
        <translation>Das Fenster beim Start öffnen, auf dem Reiter REITER (%1).</translation>
    </message>
    <message>
        <source>TAB</source>
        <translation>REITER</translation>
    </message>
    <message>
        <source>Once the window shows a running node, save a PNG of each tab and window.txt into DIR.</source>
        <translation>Sobald das Fenster einen laufenden Knoten zeigt, ein PNG jedes Reiters sowie window.txt in VERZ speichern.</translation>
    </message>
    <message>
        <source>DIR</source>
        <translation>VERZ</translation>
    </message>
    <message>
        <source>With --screenshot: wait for at least N other nodes in the neighbourhood (default 1).</source>
        <translation>Mit --screenshot: auf mindestens N andere Knoten in der Nachbarschaft warten (Standard: 1).</translation>
    </message>
    <message>
        <source>N</source>
        <translation>N</translation>
    </message>
    <message>
        <source>Unknown tab &quot;%1&quot;: use one of %2.</source>
        <translation>Unbekannter Reiter „%1“: Verwenden Sie einen von %2.</translation>
    </message>
</context>
<context>
    <name>ValueText</name>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
</context>
<context>
    <name>re6st::gui::ConflictsPanel</name>
    <message>
        <source>No D-Bus system bus: re6st-tray cannot reach the daemon.</source>
        <translation>Kein D-Bus-Systembus: re6st-tray kann den Daemon nicht erreichen.</translation>
    </message>
    <message>
        <source>The re6st daemon is not running, or too old to check NetworkManager.</source>
        <translation>Der re6st-Daemon läuft nicht oder ist zu alt, um NetworkManager zu prüfen.</translation>
    </message>
    <message>
        <source>NetworkManager is not running: nothing to check.</source>
        <translation>NetworkManager läuft nicht: Es gibt nichts zu prüfen.</translation>
    </message>
    <message>
        <source>No NetworkManager connection conflicts with re6st.</source>
        <translation>Keine NetworkManager-Verbindung steht im Konflikt mit re6st.</translation>
    </message>
    <message>
        <source>These NetworkManager connections install IPv6 routes that compete with re6st. &quot;Fix&quot; sets ipv6.ignore-auto-routes and ipv6.never-default on the connection (administrator rights needed).</source>
        <translation>Diese NetworkManager-Verbindungen installieren IPv6-Routen, die mit re6st konkurrieren. „Korrigieren“ setzt ipv6.ignore-auto-routes und ipv6.never-default für die Verbindung (Administratorrechte erforderlich).</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; (interface %2)</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; (Schnittstelle %2)</translation>
    </message>
    <message>
        <source>Routes learnt from router advertisements are installed (ipv6.ignore-auto-routes is off).</source>
        <translation>Aus Router-Advertisements gelernte Routen sind installiert (ipv6.ignore-auto-routes ist aus).</translation>
    </message>
    <message>
        <source>An IPv6 default route is installed (ipv6.never-default is off).</source>
        <translation>Eine IPv6-Standardroute ist installiert (ipv6.never-default ist aus).</translation>
    </message>
    <message>
        <source>Fixing…</source>
        <translation>Wird korrigiert…</translation>
    </message>
    <message>
        <source>Fix</source>
        <translation>Korrigieren</translation>
    </message>
    <message>
        <source>Set ipv6.ignore-auto-routes and ipv6.never-default on &quot;%1&quot;</source>
        <translation>ipv6.ignore-auto-routes und ipv6.never-default für „%1“ setzen</translation>
    </message>
    <message>
        <source>Could not fix &quot;%1&quot;: %2</source>
        <translation>„%1“ konnte nicht korrigiert werden: %2</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollEmailPage</name>
    <message>
        <source>Send a token to my &amp;email address:</source>
        <translation>Ein Token an meine &amp;E-Mail-Adresse senden:</translation>
    </message>
    <message>
        <source>Join &amp;anonymously (only if the network allows it)</source>
        <translation>&amp;Anonym beitreten (nur wenn das Netzwerk es erlaubt)</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>The registry mails you a token that proves your address.</source>
        <translation>Die Registry schickt Ihnen per E-Mail ein Token, das Ihre Adresse bestätigt.</translation>
    </message>
    <message>
        <source>you@example.com</source>
        <translation>name@example.com</translation>
    </message>
    <message>
        <source>Asking the registry to send the token…</source>
        <translation>Token wird bei der Registry angefordert…</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollFingerprintPage</name>
    <message>
        <source>I checked this fingerprint with the network&apos;s administrator</source>
        <translation>Ich habe diesen Fingerabdruck mit dem Administrator des Netzwerks abgeglichen</translation>
    </message>
    <message>
        <source>Check the network&apos;s certificate</source>
        <translation>Zertifikat des Netzwerks prüfen</translation>
    </message>
    <message>
        <source>Compare this fingerprint with the one the network&apos;s administrator gave you. If they differ, stop here: someone may be impersonating the registry.</source>
        <translation>Vergleichen Sie diesen Fingerabdruck mit dem, den Ihnen der Administrator des Netzwerks mitgeteilt hat. Weichen sie voneinander ab, brechen Sie hier ab: Möglicherweise gibt sich jemand als die Registry aus.</translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation>SHA-256-Fingerabdruck:</translation>
    </message>
    <message>
        <source>Registry: %1</source>
        <translation>Registry: %1</translation>
    </message>
    <message>
        <source>Network: %1</source>
        <translation>Netzwerk: %1</translation>
    </message>
    <message>
        <source>Certificate: %1</source>
        <translation>Zertifikat: %1</translation>
    </message>
    <message>
        <source>Valid until: %1</source>
        <translation>Gültig bis: %1</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollProgressPage</name>
    <message>
        <source>&amp;Replace the current certificate (this computer leaves its current network)</source>
        <translation>Aktuelles Zertifikat &amp;ersetzen (dieser Computer verlässt sein bisheriges Netzwerk)</translation>
    </message>
    <message>
        <source>&amp;Try again</source>
        <translation>Erneut &amp;versuchen</translation>
    </message>
    <message>
        <source>Joining the network</source>
        <translation>Beitritt zum Netzwerk</translation>
    </message>
    <message>
        <source>The re6st daemon creates this computer&apos;s key and obtains its certificate. You may be asked for an administrator&apos;s password.</source>
        <translation>Der re6st-Daemon erzeugt den Schlüssel dieses Computers und bezieht sein Zertifikat. Möglicherweise werden Sie nach einem Administratorpasswort gefragt.</translation>
    </message>
    <message>
        <source>Checking the network&apos;s certificate…</source>
        <translation>Zertifikat des Netzwerks wird geprüft…</translation>
    </message>
    <message>
        <source>Generating this computer&apos;s key…</source>
        <translation>Schlüssel dieses Computers wird erzeugt…</translation>
    </message>
    <message>
        <source>Obtaining the certificate from the registry…</source>
        <translation>Zertifikat wird von der Registry bezogen…</translation>
    </message>
    <message>
        <source>Saving the configuration…</source>
        <translation>Konfiguration wird gespeichert…</translation>
    </message>
    <message>
        <source>Starting the node…</source>
        <translation>Knoten wird gestartet…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>Fertig.</translation>
    </message>
    <message>
        <source>Waiting for the re6st daemon…</source>
        <translation>Warten auf den re6st-Daemon…</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollRegistryPage</name>
    <message>
        <source>Registry</source>
        <translation>Registry</translation>
    </message>
    <message>
        <source>Enter the address of the network&apos;s registry, as given by its administrator.</source>
        <translation>Geben Sie die Adresse der Registry des Netzwerks ein, wie Sie sie von dessen Administrator erhalten haben.</translation>
    </message>
    <message>
        <source>http://re6st.example.com/</source>
        <translation>http://re6st.example.com/</translation>
    </message>
    <message>
        <source>Registry &amp;URL:</source>
        <translation>&amp;URL der Registry:</translation>
    </message>
    <message>
        <source>Fetching the network&apos;s certificate…</source>
        <translation>Zertifikat des Netzwerks wird abgerufen…</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollResultPage</name>
    <message>
        <source>You joined the network</source>
        <translation>Sie sind dem Netzwerk beigetreten</translation>
    </message>
    <message>
        <source>This computer is now a member of the re6st network and its node is starting.</source>
        <translation>Dieser Computer ist jetzt Mitglied des re6st-Netzwerks, und sein Knoten wird gestartet.</translation>
    </message>
    <message>
        <source>Prefix:</source>
        <translation>Präfix:</translation>
    </message>
    <message>
        <source>Subnet:</source>
        <translation>Subnetz:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Certificate valid until:</source>
        <translation>Zertifikat gültig bis:</translation>
    </message>
    <message>
        <source>Automatic renewal from:</source>
        <translation>Automatische Erneuerung ab:</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>Back up the private key %1 (readable by root only) somewhere safe: without it, this computer cannot renew its certificate and must join the network again.</source>
        <translation>Sichern Sie den privaten Schlüssel %1 (nur für root lesbar) an einem sicheren Ort: Ohne ihn kann dieser Computer sein Zertifikat nicht erneuern und muss dem Netzwerk erneut beitreten.</translation>
    </message>
    <message>
        <source>The previous settings named another registry or country; they are kept in %1.</source>
        <translation>Die bisherigen Einstellungen nannten eine andere Registry oder ein anderes Land; sie bleiben in %1 erhalten.</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollTokenPage</name>
    <message>
        <source>Token</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>The registry sent a token to %1. Copy it from the mail into this field.</source>
        <translation>Die Registry hat ein Token an %1 gesendet. Kopieren Sie es aus der E-Mail in dieses Feld.</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollWizard</name>
    <message>
        <source>The re6st daemon stopped before answering: it restarted or crashed, so this step may or may not have been done. Check its logs (journalctl -u re6stnet), then try again.</source>
        <translation>Der re6st-Daemon wurde vor seiner Antwort beendet: Er wurde neu gestartet oder ist abgestürzt, daher ist unklar, ob dieser Schritt ausgeführt wurde. Prüfen Sie seine Protokolle (journalctl -u re6stnet) und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>Join a re6st network</source>
        <translation>Einem re6st-Netzwerk beitreten</translation>
    </message>
    <message>
        <source>You are not allowed to add this computer to a network: the system&apos;s policy (polkit) refused it. Enter an administrator&apos;s password when asked, or ask an administrator to allow “org.re6st.enroll” for you.</source>
        <translation>Sie dürfen diesen Computer keinem Netzwerk hinzufügen: Die Richtlinie des Systems (polkit) hat dies abgelehnt. Geben Sie auf Nachfrage ein Administratorpasswort ein, oder bitten Sie einen Administrator, „org.re6st.enroll“ für Sie freizugeben.</translation>
    </message>
    <message>
        <source>Something you entered is not valid (see the details below); correct it and try again.</source>
        <translation>Eine Eingabe ist ungültig (siehe Details unten); korrigieren Sie sie und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The registry did not answer. Check the address (for example “http://re6st.example.com/”) and your Internet connection, then try again.</source>
        <translation>Die Registry hat nicht geantwortet. Prüfen Sie die Adresse (zum Beispiel „http://re6st.example.com/“) und Ihre Internetverbindung, und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>The registry now presents a different certificate than the one you confirmed. Do not continue: go back to the start and check the fingerprint with the network&apos;s administrator again.</source>
        <translation>Die Registry legt jetzt ein anderes Zertifikat vor als das, das Sie bestätigt haben. Fahren Sie nicht fort: Kehren Sie zum Anfang zurück und gleichen Sie den Fingerabdruck erneut mit dem Administrator des Netzwerks ab.</translation>
    </message>
    <message>
        <source>The registry refused this token: it is wrong, already used or expired. Copy the token from the latest mail exactly, or go back and ask for a new one.</source>
        <translation>Die Registry hat dieses Token abgelehnt: Es ist falsch, bereits verwendet oder abgelaufen. Kopieren Sie das Token genau aus der neuesten E-Mail, oder gehen Sie zurück und fordern Sie ein neues an.</translation>
    </message>
    <message>
        <source>This computer is already a member of a re6st network. Tick “Replace the current certificate” to join this network instead, then try again.</source>
        <translation>Dieser Computer ist bereits Mitglied eines re6st-Netzwerks. Aktivieren Sie „Aktuelles Zertifikat ersetzen“, um stattdessen diesem Netzwerk beizutreten, und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <source>The re6st daemon is busy with another enrollment or certificate download (see the details below); wait a moment and try again.</source>
        <translation>Der re6st-Daemon ist mit einer anderen Registrierung oder einem anderen Zertifikat-Download beschäftigt (siehe Details unten); warten Sie einen Moment und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The re6st daemon is not running; start the re6stnet service and try again.</source>
        <translation>Der re6st-Daemon läuft nicht; starten Sie den Dienst re6stnet und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The re6st daemon did not answer in time; try again, and check its logs (journalctl -u re6stnet).</source>
        <translation>Der re6st-Daemon hat nicht rechtzeitig geantwortet; versuchen Sie es erneut und prüfen Sie seine Protokolle (journalctl -u re6stnet).</translation>
    </message>
    <message>
        <source>The enrollment failed; try again, and check the daemon&apos;s logs (journalctl -u re6stnet).</source>
        <translation>Die Registrierung ist fehlgeschlagen; versuchen Sie es erneut und prüfen Sie die Protokolle des Daemons (journalctl -u re6stnet).</translation>
    </message>
    <message>
        <source>%1

Details: %2</source>
        <translation>%1

Details: %2</translation>
    </message>
</context>
<context>
    <name>re6st::gui::MainWindow</name>
    <message>
        <source>re6st</source>
        <translation>re6st</translation>
    </message>
    <message>
        <source>Copy address</source>
        <translation>Adresse kopieren</translation>
    </message>
    <message>
        <source>&amp;Node</source>
        <translation>&amp;Knoten</translation>
    </message>
    <message>
        <source>Close window</source>
        <translation>Fenster schließen</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Aktionen</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Peers</translation>
    </message>
    <message>
        <source>Tunnels</source>
        <translation>Tunnel</translation>
    </message>
    <message>
        <source>Routes</source>
        <translation>Routen</translation>
    </message>
    <message>
        <source>Neighbourhood</source>
        <translation>Nachbarschaft</translation>
    </message>
</context>
<context>
    <name>re6st::gui::NeighbourhoodView</name>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>this node</source>
        <translation>dieser Knoten</translation>
    </message>
    <message>
        <source>direct neighbour</source>
        <translation>direkter Nachbar</translation>
    </message>
    <message>
        <source>reached through a neighbour</source>
        <translation>über einen Nachbarn erreicht</translation>
    </message>
    <message>
        <source>No neighbour yet: tunnels and routes appear here as re6stnet sets them up.</source>
        <translation>Noch keine Nachbarn: Tunnel und Routen erscheinen hier, sobald re6stnet sie einrichtet.</translation>
    </message>
    <message>
        <source>Direct neighbours: %1, nodes reached through them: %2</source>
        <translation>Direkte Nachbarn: %1, darüber erreichte Knoten: %2</translation>
    </message>
</context>
<context>
    <name>re6st::gui::NodeModel</name>
    <message>
        <source>Cannot read the re6st daemon&apos;s status (%1); retrying in %2 s.</source>
        <translation>Der Status des re6st-Daemons kann nicht gelesen werden (%1); neuer Versuch in %2 s.</translation>
    </message>
    <message>
        <source>No D-Bus system bus (%1): re6st-tray cannot reach the daemon.</source>
        <translation>Kein D-Bus-Systembus (%1): re6st-tray kann den Daemon nicht erreichen.</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Property</source>
        <translation>Eigenschaft</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Prefix</source>
        <translation>Präfix</translation>
    </message>
    <message>
        <source>Subnet</source>
        <translation>Subnetz</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Netzwerk</translation>
    </message>
    <message>
        <source>Registry</source>
        <translation>Registry</translation>
    </message>
    <message>
        <source>Registry reachable</source>
        <translation>Registry erreichbar</translation>
    </message>
    <message>
        <source>Certificate valid until</source>
        <translation>Zertifikat gültig bis</translation>
    </message>
    <message>
        <source>Next renewal</source>
        <translation>Nächste Erneuerung</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Peers</translation>
    </message>
    <message>
        <source>Tunnels</source>
        <translation>Tunnel</translation>
    </message>
    <message>
        <source>Daemon version</source>
        <translation>Daemon-Version</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>no certificate</source>
        <translation>kein Zertifikat</translation>
    </message>
    <message>
        <source>not scheduled</source>
        <translation>nicht geplant</translation>
    </message>
</context>
<context>
    <name>re6st::gui::PeersModel</name>
    <message>
        <source>Prefix</source>
        <translation>Präfix</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Country</source>
        <translation>Land</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>Erreicht</translation>
    </message>
    <message>
        <source>RTT</source>
        <translation>RTT</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
</context>
<context>
    <name>re6st::gui::RecordsModel</name>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
</context>
<context>
    <name>re6st::gui::RoutesModel</name>
    <message>
        <source>Destination</source>
        <translation>Ziel</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Next hop</source>
        <translation>Nächster Hop</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>Schnittstelle</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>Metrik</translation>
    </message>
    <message>
        <source>RTT</source>
        <translation>RTT</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>Installiert</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>any</source>
        <translation>beliebig</translation>
    </message>
</context>
<context>
    <name>re6st::gui::TrayIcon</name>
    <message>
        <source>Open re6st window</source>
        <translation>re6st-Fenster öffnen</translation>
    </message>
    <message>
        <source>Join a network…</source>
        <translation>Einem Netzwerk beitreten…</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Copy my address</source>
        <translation>Meine Adresse kopieren</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>„%1“ fehlgeschlagen</translation>
    </message>
    <message>
        <source>re6st: %1</source>
        <translation>re6st: %1</translation>
    </message>
    <message>
        <source>Address: %1</source>
        <translation>Adresse: %1</translation>
    </message>
    <message>
        <source>Peers: %1, tunnels: %2</source>
        <translation>Peers: %1, Tunnel: %2</translation>
    </message>
    <message>
        <source>re6st connection lost</source>
        <translation>re6st-Verbindung verloren</translation>
    </message>
    <message>
        <source>re6st connection restored</source>
        <translation>re6st-Verbindung wiederhergestellt</translation>
    </message>
    <message>
        <source>re6st certificate expiring soon</source>
        <translation>re6st-Zertifikat läuft bald ab</translation>
    </message>
</context>
<context>
    <name>re6st::gui::TunnelsModel</name>
    <message>
        <source>Interface</source>
        <translation>Schnittstelle</translation>
    </message>
    <message>
        <source>Peer</source>
        <translation>Peer</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Richtung</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Seit</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>outgoing</source>
        <translation>ausgehend</translation>
    </message>
    <message>
        <source>incoming</source>
        <translation>eingehend</translation>
    </message>
</context>
</TS>
