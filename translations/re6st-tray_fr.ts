<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>DaemonErrorText</name>
    <message>
        <source>The re6st daemon stopped before answering: it restarted or crashed. Check its logs (journalctl -u re6stnet), then try again.</source>
        <translation>Le démon re6st s&apos;est arrêté avant de répondre&#xa0;: il a redémarré ou planté. Consultez son journal (journalctl -u re6stnet), puis réessayez.</translation>
    </message>
    <message>
        <source>You are not allowed to do this: the system&apos;s policy (polkit) refused it. Ask an administrator, or check that polkit and an authentication agent run.</source>
        <translation>Vous n&apos;avez pas le droit de faire cela&#xa0;: la politique du système (polkit) l&apos;a refusé. Adressez-vous à un administrateur, ou vérifiez que polkit et un agent d&apos;authentification sont lancés.</translation>
    </message>
    <message>
        <source>This computer has no re6st certificate yet: join a network first.</source>
        <translation>Cet ordinateur n&apos;a pas encore de certificat re6st&#xa0;: rejoignez d&apos;abord un réseau.</translation>
    </message>
    <message>
        <source>The re6st daemon is not ready yet; try again in a few seconds.</source>
        <translation>Le démon re6st n&apos;est pas encore prêt&#xa0;; réessayez dans quelques secondes.</translation>
    </message>
    <message>
        <source>The routing daemon (babeld) does not answer, so routes are unknown; start the node and try again.</source>
        <translation>Le démon de routage (babeld) ne répond pas, les routes sont donc inconnues&#xa0;; démarrez le nœud et réessayez.</translation>
    </message>
    <message>
        <source>The re6st daemon is not running; start the re6stnet service and try again.</source>
        <translation>Le démon re6st n&apos;est pas lancé&#xa0;; démarrez le service re6stnet et réessayez.</translation>
    </message>
    <message>
        <source>The re6st daemon did not answer in time; try again, and check its logs (journalctl -u re6stnet).</source>
        <translation>Le démon re6st n&apos;a pas répondu à temps&#xa0;; réessayez, et consultez son journal (journalctl -u re6stnet).</translation>
    </message>
    <message>
        <source>The re6st daemon reported a failure; check its logs (journalctl -u re6stnet).</source>
        <translation>Le démon re6st a signalé un échec&#xa0;; consultez son journal (journalctl -u re6stnet).</translation>
    </message>
    <message>
        <source>%1

Details: %2</source>
        <translation>%1

Détails&#xa0;: %2</translation>
    </message>
</context>
<context>
    <name>NeighbourhoodGraph</name>
    <message>
        <source>us</source>
        <translation>nous</translation>
    </message>
    <message>
        <source>This node</source>
        <translation>Ce nœud</translation>
    </message>
    <message>
        <source>Prefix: %1</source>
        <translation>Préfixe&#xa0;: %1</translation>
    </message>
    <message>
        <source>Address: %1</source>
        <translation>Adresse&#xa0;: %1</translation>
    </message>
    <message>
        <source>Direct neighbours: %1, other nodes: %2</source>
        <translation>Voisins directs&#xa0;: %1, autres nœuds&#xa0;: %2</translation>
    </message>
    <message>
        <source>Babel neighbour %1</source>
        <translation>Voisin Babel %1</translation>
    </message>
    <message>
        <source>Direct peer %1</source>
        <translation>Pair direct %1</translation>
    </message>
    <message>
        <source>Over our tunnel %1</source>
        <translation>Par notre tunnel %1</translation>
    </message>
    <message>
        <source>On interface %1, without a tunnel</source>
        <translation>Sur l&apos;interface %1, sans tunnel</translation>
    </message>
    <message>
        <source>Node %1</source>
        <translation>Nœud %1</translation>
    </message>
    <message>
        <source>Reached via %1 (next hop %2 on %3)</source>
        <translation>Atteint via %1 (prochain saut %2 sur %3)</translation>
    </message>
    <message>
        <source>RTT: %1 ms</source>
        <translation>RTT&#xa0;: %1 ms</translation>
    </message>
    <message>
        <source>Route metric: %1</source>
        <translation>Métrique de la route&#xa0;: %1</translation>
    </message>
</context>
<context>
    <name>NodeState</name>
    <message>
        <source>re6st daemon not running</source>
        <translation>Le démon re6st n&apos;est pas lancé</translation>
    </message>
    <message>
        <source>Not part of a re6st network yet</source>
        <translation>Pas encore membre d&apos;un réseau re6st</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Arrêté</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connexion en cours…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Connecté</translation>
    </message>
    <message>
        <source>Connected, registry unreachable</source>
        <translation>Connecté, registre injoignable</translation>
    </message>
    <message>
        <source>Connected, certificate expiring soon</source>
        <translation>Connecté, le certificat expire bientôt</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Arrêt en cours…</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Start the re6stnet service (systemctl start re6stnet) or install re6st.</source>
        <translation>Démarrez le service re6stnet (systemctl start re6stnet) ou installez re6st.</translation>
    </message>
    <message>
        <source>Use “Join a network…” to enroll this computer.</source>
        <translation>Utilisez «&#xa0;Rejoindre un réseau…&#xa0;» pour inscrire cet ordinateur.</translation>
    </message>
    <message>
        <source>Use “Start” to connect.</source>
        <translation>Utilisez «&#xa0;Démarrer&#xa0;» pour vous connecter.</translation>
    </message>
    <message>
        <source>Getting the network configuration and opening the first tunnels to other nodes.</source>
        <translation>Récupération de la configuration du réseau et ouverture des premiers tunnels vers d&apos;autres nœuds.</translation>
    </message>
    <message>
        <source>The network works; the certificate cannot be renewed until the registry answers again.</source>
        <translation>Le réseau fonctionne&#xa0;; le certificat ne pourra pas être renouvelé tant que le registre ne répondra pas.</translation>
    </message>
    <message>
        <source>Make sure the registry is reachable so that the certificate gets renewed.</source>
        <translation>Assurez-vous que le registre est joignable afin que le certificat soit renouvelé.</translation>
    </message>
    <message>
        <source>Closing the tunnels; this takes a few seconds at most.</source>
        <translation>Fermeture des tunnels&#xa0;; cela prend quelques secondes au plus.</translation>
    </message>
    <message>
        <source>See the details in the window, or the logs (journalctl -u re6stnet).</source>
        <translation>Consultez les détails dans la fenêtre, ou le journal (journalctl -u re6stnet).</translation>
    </message>
</context>
<context>
    <name>PeerReach</name>
    <message>
        <source>direct tunnel (%1)</source>
        <translation>tunnel direct (%1)</translation>
    </message>
    <message>
        <source>via %1 (%2)</source>
        <translation>via %1 (%2)</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>inconnu</translation>
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
        <translation>Le nœud re6st dans la zone de notification.</translation>
    </message>
    <message>
        <source>Open the window at start, on TAB (%1).</source>
        <translation>Ouvrir la fenêtre au démarrage, sur l&apos;onglet ONGLET (%1).</translation>
    </message>
    <message>
        <source>TAB</source>
        <translation>ONGLET</translation>
    </message>
    <message>
        <source>Once the window shows a running node, save a PNG of each tab and window.txt into DIR.</source>
        <translation>Dès que la fenêtre montre un nœud en marche, enregistrer un PNG de chaque onglet ainsi que window.txt dans RÉP.</translation>
    </message>
    <message>
        <source>DIR</source>
        <translation>RÉP</translation>
    </message>
    <message>
        <source>With --screenshot: wait for at least N other nodes in the neighbourhood (default 1).</source>
        <translation>Avec --screenshot&#xa0;: attendre au moins N autres nœuds dans le voisinage (1 par défaut).</translation>
    </message>
    <message>
        <source>N</source>
        <translation>N</translation>
    </message>
    <message>
        <source>Unknown tab &quot;%1&quot;: use one of %2.</source>
        <translation>Onglet «&#xa0;%1&#xa0;» inconnu&#xa0;: utilisez l&apos;un de ceux-ci&#xa0;: %2.</translation>
    </message>
</context>
<context>
    <name>ValueText</name>
    <message>
        <source>yes</source>
        <translation>oui</translation>
    </message>
    <message>
        <source>no</source>
        <translation>non</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>inconnu</translation>
    </message>
</context>
<context>
    <name>re6st::gui::ConflictsPanel</name>
    <message>
        <source>No D-Bus system bus: re6st-tray cannot reach the daemon.</source>
        <translation>Pas de bus système D-Bus&#xa0;: re6st-tray ne peut pas joindre le démon.</translation>
    </message>
    <message>
        <source>The re6st daemon is not running, or too old to check NetworkManager.</source>
        <translation>Le démon re6st n&apos;est pas lancé, ou il est trop ancien pour vérifier NetworkManager.</translation>
    </message>
    <message>
        <source>NetworkManager is not running: nothing to check.</source>
        <translation>NetworkManager n&apos;est pas lancé&#xa0;: rien à vérifier.</translation>
    </message>
    <message>
        <source>No NetworkManager connection conflicts with re6st.</source>
        <translation>Aucune connexion NetworkManager n&apos;entre en conflit avec re6st.</translation>
    </message>
    <message>
        <source>These NetworkManager connections install IPv6 routes that compete with re6st. &quot;Fix&quot; sets ipv6.ignore-auto-routes and ipv6.never-default on the connection (administrator rights needed).</source>
        <translation>Ces connexions NetworkManager installent des routes IPv6 qui concurrencent re6st. «&#xa0;Corriger&#xa0;» active ipv6.ignore-auto-routes et ipv6.never-default sur la connexion (droits d&apos;administrateur nécessaires).</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; (interface %2)</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; (interface %2)</translation>
    </message>
    <message>
        <source>Routes learnt from router advertisements are installed (ipv6.ignore-auto-routes is off).</source>
        <translation>Des routes apprises par les annonces de routeur sont installées (ipv6.ignore-auto-routes est désactivé).</translation>
    </message>
    <message>
        <source>An IPv6 default route is installed (ipv6.never-default is off).</source>
        <translation>Une route IPv6 par défaut est installée (ipv6.never-default est désactivé).</translation>
    </message>
    <message>
        <source>Fixing…</source>
        <translation>Correction…</translation>
    </message>
    <message>
        <source>Fix</source>
        <translation>Corriger</translation>
    </message>
    <message>
        <source>Set ipv6.ignore-auto-routes and ipv6.never-default on &quot;%1&quot;</source>
        <translation>Activer ipv6.ignore-auto-routes et ipv6.never-default sur «&#xa0;%1&#xa0;»</translation>
    </message>
    <message>
        <source>Could not fix &quot;%1&quot;: %2</source>
        <translation>Impossible de corriger «&#xa0;%1&#xa0;»&#xa0;: %2</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollEmailPage</name>
    <message>
        <source>Send a token to my &amp;email address:</source>
        <translation>Envoyer un jeton à mon adresse &amp;e-mail&#xa0;:</translation>
    </message>
    <message>
        <source>Join &amp;anonymously (only if the network allows it)</source>
        <translation>Rejoindre &amp;anonymement (seulement si le réseau le permet)</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Adresse e-mail</translation>
    </message>
    <message>
        <source>The registry mails you a token that proves your address.</source>
        <translation>Le registre vous envoie par e-mail un jeton qui prouve que cette adresse est la vôtre.</translation>
    </message>
    <message>
        <source>you@example.com</source>
        <translation>vous@example.com</translation>
    </message>
    <message>
        <source>Asking the registry to send the token…</source>
        <translation>Demande d&apos;envoi du jeton au registre…</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollFingerprintPage</name>
    <message>
        <source>I checked this fingerprint with the network&apos;s administrator</source>
        <translation>J&apos;ai vérifié cette empreinte auprès de l&apos;administrateur du réseau</translation>
    </message>
    <message>
        <source>Check the network&apos;s certificate</source>
        <translation>Vérifiez le certificat du réseau</translation>
    </message>
    <message>
        <source>Compare this fingerprint with the one the network&apos;s administrator gave you. If they differ, stop here: someone may be impersonating the registry.</source>
        <translation>Comparez cette empreinte avec celle que l&apos;administrateur du réseau vous a communiquée. Si elles diffèrent, arrêtez-vous ici&#xa0;: quelqu&apos;un se fait peut-être passer pour le registre.</translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation>Empreinte SHA-256&#xa0;:</translation>
    </message>
    <message>
        <source>Registry: %1</source>
        <translation>Registre&#xa0;: %1</translation>
    </message>
    <message>
        <source>Network: %1</source>
        <translation>Réseau&#xa0;: %1</translation>
    </message>
    <message>
        <source>Certificate: %1</source>
        <translation>Certificat&#xa0;: %1</translation>
    </message>
    <message>
        <source>Valid until: %1</source>
        <translation>Fin de validité&#xa0;: %1</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollProgressPage</name>
    <message>
        <source>&amp;Replace the current certificate (this computer leaves its current network)</source>
        <translation>&amp;Remplacer le certificat actuel (cet ordinateur quitte son réseau actuel)</translation>
    </message>
    <message>
        <source>&amp;Try again</source>
        <translation>Réessa&amp;yer</translation>
    </message>
    <message>
        <source>Joining the network</source>
        <translation>Adhésion au réseau</translation>
    </message>
    <message>
        <source>The re6st daemon creates this computer&apos;s key and obtains its certificate. You may be asked for an administrator&apos;s password.</source>
        <translation>Le démon re6st crée la clé de cet ordinateur et obtient son certificat. Le mot de passe d&apos;un administrateur peut vous être demandé.</translation>
    </message>
    <message>
        <source>Checking the network&apos;s certificate…</source>
        <translation>Vérification du certificat du réseau…</translation>
    </message>
    <message>
        <source>Generating this computer&apos;s key…</source>
        <translation>Génération de la clé de cet ordinateur…</translation>
    </message>
    <message>
        <source>Obtaining the certificate from the registry…</source>
        <translation>Obtention du certificat auprès du registre…</translation>
    </message>
    <message>
        <source>Saving the configuration…</source>
        <translation>Enregistrement de la configuration…</translation>
    </message>
    <message>
        <source>Starting the node…</source>
        <translation>Démarrage du nœud…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>Terminé.</translation>
    </message>
    <message>
        <source>Waiting for the re6st daemon…</source>
        <translation>En attente du démon re6st…</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollRegistryPage</name>
    <message>
        <source>Registry</source>
        <translation>Registre</translation>
    </message>
    <message>
        <source>Enter the address of the network&apos;s registry, as given by its administrator.</source>
        <translation>Saisissez l&apos;adresse du registre du réseau, telle que son administrateur vous l&apos;a donnée.</translation>
    </message>
    <message>
        <source>http://re6st.example.com/</source>
        <translation>http://re6st.example.com/</translation>
    </message>
    <message>
        <source>Registry &amp;URL:</source>
        <translation>&amp;URL du registre&#xa0;:</translation>
    </message>
    <message>
        <source>Fetching the network&apos;s certificate…</source>
        <translation>Récupération du certificat du réseau…</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollResultPage</name>
    <message>
        <source>You joined the network</source>
        <translation>Vous avez rejoint le réseau</translation>
    </message>
    <message>
        <source>This computer is now a member of the re6st network and its node is starting.</source>
        <translation>Cet ordinateur est désormais membre du réseau re6st et son nœud démarre.</translation>
    </message>
    <message>
        <source>Prefix:</source>
        <translation>Préfixe&#xa0;:</translation>
    </message>
    <message>
        <source>Subnet:</source>
        <translation>Sous-réseau&#xa0;:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse&#xa0;:</translation>
    </message>
    <message>
        <source>Certificate valid until:</source>
        <translation>Certificat valable jusqu&apos;au&#xa0;:</translation>
    </message>
    <message>
        <source>Automatic renewal from:</source>
        <translation>Renouvellement automatique à partir du&#xa0;:</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>inconnu</translation>
    </message>
    <message>
        <source>Back up the private key %1 (readable by root only) somewhere safe: without it, this computer cannot renew its certificate and must join the network again.</source>
        <translation>Sauvegardez la clé privée %1 (lisible par root uniquement) en lieu sûr&#xa0;: sans elle, cet ordinateur ne peut pas renouveler son certificat et devra rejoindre le réseau à nouveau.</translation>
    </message>
    <message>
        <source>The previous settings named another registry or country; they are kept in %1.</source>
        <translation>Les réglages précédents indiquaient un autre registre ou un autre pays&#xa0;; ils sont conservés dans %1.</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollTokenPage</name>
    <message>
        <source>Token</source>
        <translation>Jeton</translation>
    </message>
    <message>
        <source>The registry sent a token to %1. Copy it from the mail into this field.</source>
        <translation>Le registre a envoyé un jeton à %1. Copiez-le depuis le message reçu dans ce champ.</translation>
    </message>
</context>
<context>
    <name>re6st::gui::EnrollWizard</name>
    <message>
        <source>The re6st daemon stopped before answering: it restarted or crashed, so this step may or may not have been done. Check its logs (journalctl -u re6stnet), then try again.</source>
        <translation>Le démon re6st s&apos;est arrêté avant de répondre&#xa0;: il a redémarré ou planté, et cette étape a pu être faite ou non. Consultez son journal (journalctl -u re6stnet), puis réessayez.</translation>
    </message>
    <message>
        <source>Join a re6st network</source>
        <translation>Rejoindre un réseau re6st</translation>
    </message>
    <message>
        <source>You are not allowed to add this computer to a network: the system&apos;s policy (polkit) refused it. Enter an administrator&apos;s password when asked, or ask an administrator to allow “org.re6st.enroll” for you.</source>
        <translation>Vous n&apos;avez pas le droit d&apos;ajouter cet ordinateur à un réseau&#xa0;: la politique du système (polkit) l&apos;a refusé. Saisissez le mot de passe d&apos;un administrateur lorsqu&apos;il vous est demandé, ou demandez à un administrateur de vous accorder «&#xa0;org.re6st.enroll&#xa0;».</translation>
    </message>
    <message>
        <source>Something you entered is not valid (see the details below); correct it and try again.</source>
        <translation>Une saisie n&apos;est pas valide (voir les détails ci-dessous)&#xa0;; corrigez-la et réessayez.</translation>
    </message>
    <message>
        <source>The registry did not answer. Check the address (for example “http://re6st.example.com/”) and your Internet connection, then try again.</source>
        <translation>Le registre n&apos;a pas répondu. Vérifiez l&apos;adresse (par exemple «&#xa0;http://re6st.example.com/&#xa0;») et votre connexion Internet, puis réessayez.</translation>
    </message>
    <message>
        <source>The registry now presents a different certificate than the one you confirmed. Do not continue: go back to the start and check the fingerprint with the network&apos;s administrator again.</source>
        <translation>Le registre présente maintenant un certificat différent de celui que vous avez confirmé. Ne continuez pas&#xa0;: revenez au début et vérifiez de nouveau l&apos;empreinte auprès de l&apos;administrateur du réseau.</translation>
    </message>
    <message>
        <source>The registry refused this token: it is wrong, already used or expired. Copy the token from the latest mail exactly, or go back and ask for a new one.</source>
        <translation>Le registre a refusé ce jeton&#xa0;: il est erroné, déjà utilisé ou expiré. Recopiez exactement le jeton du dernier message reçu, ou revenez en arrière pour en demander un nouveau.</translation>
    </message>
    <message>
        <source>This computer is already a member of a re6st network. Tick “Replace the current certificate” to join this network instead, then try again.</source>
        <translation>Cet ordinateur est déjà membre d&apos;un réseau re6st. Cochez «&#xa0;Remplacer le certificat actuel&#xa0;» pour rejoindre plutôt ce réseau-ci, puis réessayez.</translation>
    </message>
    <message>
        <source>The re6st daemon is busy with another enrollment or certificate download (see the details below); wait a moment and try again.</source>
        <translation>Le démon re6st est occupé par une autre inscription ou un autre téléchargement de certificat (voir les détails ci-dessous)&#xa0;; patientez un instant et réessayez.</translation>
    </message>
    <message>
        <source>The re6st daemon is not running; start the re6stnet service and try again.</source>
        <translation>Le démon re6st n&apos;est pas lancé&#xa0;; démarrez le service re6stnet et réessayez.</translation>
    </message>
    <message>
        <source>The re6st daemon did not answer in time; try again, and check its logs (journalctl -u re6stnet).</source>
        <translation>Le démon re6st n&apos;a pas répondu à temps&#xa0;; réessayez, et consultez son journal (journalctl -u re6stnet).</translation>
    </message>
    <message>
        <source>The enrollment failed; try again, and check the daemon&apos;s logs (journalctl -u re6stnet).</source>
        <translation>L&apos;inscription a échoué&#xa0;; réessayez, et consultez le journal du démon (journalctl -u re6stnet).</translation>
    </message>
    <message>
        <source>%1

Details: %2</source>
        <translation>%1

Détails&#xa0;: %2</translation>
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
        <translation>Copier l&apos;adresse</translation>
    </message>
    <message>
        <source>&amp;Node</source>
        <translation>&amp;Nœud</translation>
    </message>
    <message>
        <source>Close window</source>
        <translation>Fermer la fenêtre</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Actions</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Vue d&apos;ensemble</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Pairs</translation>
    </message>
    <message>
        <source>Tunnels</source>
        <translation>Tunnels</translation>
    </message>
    <message>
        <source>Routes</source>
        <translation>Routes</translation>
    </message>
    <message>
        <source>Neighbourhood</source>
        <translation>Voisinage</translation>
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
        <translation>ce nœud</translation>
    </message>
    <message>
        <source>direct neighbour</source>
        <translation>voisin direct</translation>
    </message>
    <message>
        <source>reached through a neighbour</source>
        <translation>atteint par un voisin</translation>
    </message>
    <message>
        <source>No neighbour yet: tunnels and routes appear here as re6stnet sets them up.</source>
        <translation>Aucun voisin pour l&apos;instant&#xa0;: les tunnels et les routes apparaissent ici au fur et à mesure que re6stnet les établit.</translation>
    </message>
    <message>
        <source>Direct neighbours: %1, nodes reached through them: %2</source>
        <translation>Voisins directs&#xa0;: %1, nœuds atteints par leur intermédiaire&#xa0;: %2</translation>
    </message>
</context>
<context>
    <name>re6st::gui::NodeModel</name>
    <message>
        <source>Cannot read the re6st daemon&apos;s status (%1); retrying in %2 s.</source>
        <translation>Impossible de lire l&apos;état du démon re6st (%1)&#xa0;; nouvel essai dans %2&#xa0;s.</translation>
    </message>
    <message>
        <source>No D-Bus system bus (%1): re6st-tray cannot reach the daemon.</source>
        <translation>Pas de bus système D-Bus (%1)&#xa0;: re6st-tray ne peut pas joindre le démon.</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Démarrer</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Arrêter</translation>
    </message>
    <message>
        <source>Property</source>
        <translation>Propriété</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Valeur</translation>
    </message>
    <message>
        <source>State</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Prefix</source>
        <translation>Préfixe</translation>
    </message>
    <message>
        <source>Subnet</source>
        <translation>Sous-réseau</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Réseau</translation>
    </message>
    <message>
        <source>Registry</source>
        <translation>Registre</translation>
    </message>
    <message>
        <source>Registry reachable</source>
        <translation>Registre joignable</translation>
    </message>
    <message>
        <source>Certificate valid until</source>
        <translation>Certificat valable jusqu&apos;au</translation>
    </message>
    <message>
        <source>Next renewal</source>
        <translation>Prochain renouvellement</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Pairs</translation>
    </message>
    <message>
        <source>Tunnels</source>
        <translation>Tunnels</translation>
    </message>
    <message>
        <source>Daemon version</source>
        <translation>Version du démon</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>no certificate</source>
        <translation>aucun certificat</translation>
    </message>
    <message>
        <source>not scheduled</source>
        <translation>non planifié</translation>
    </message>
</context>
<context>
    <name>re6st::gui::PeersModel</name>
    <message>
        <source>Prefix</source>
        <translation>Préfixe</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Country</source>
        <translation>Pays</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>Accès</translation>
    </message>
    <message>
        <source>RTT</source>
        <translation>RTT</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Dernier contact</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protocole</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>inconnu</translation>
    </message>
</context>
<context>
    <name>re6st::gui::RecordsModel</name>
    <message>
        <source>never</source>
        <translation>jamais</translation>
    </message>
</context>
<context>
    <name>re6st::gui::RoutesModel</name>
    <message>
        <source>Destination</source>
        <translation>Destination</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>Next hop</source>
        <translation>Prochain saut</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>Interface</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>Métrique</translation>
    </message>
    <message>
        <source>RTT</source>
        <translation>RTT</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>Installée</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>any</source>
        <translation>toutes</translation>
    </message>
</context>
<context>
    <name>re6st::gui::TrayIcon</name>
    <message>
        <source>Open re6st window</source>
        <translation>Ouvrir la fenêtre re6st</translation>
    </message>
    <message>
        <source>Join a network…</source>
        <translation>Rejoindre un réseau…</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Démarrer</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Arrêter</translation>
    </message>
    <message>
        <source>Copy my address</source>
        <translation>Copier mon adresse</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quitter</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>Échec de l&apos;action «&#xa0;%1&#xa0;»</translation>
    </message>
    <message>
        <source>re6st: %1</source>
        <translation>re6st&#xa0;: %1</translation>
    </message>
    <message>
        <source>Address: %1</source>
        <translation>Adresse&#xa0;: %1</translation>
    </message>
    <message>
        <source>Peers: %1, tunnels: %2</source>
        <translation>Pairs&#xa0;: %1, tunnels&#xa0;: %2</translation>
    </message>
    <message>
        <source>re6st connection lost</source>
        <translation>Connexion re6st perdue</translation>
    </message>
    <message>
        <source>re6st connection restored</source>
        <translation>Connexion re6st rétablie</translation>
    </message>
    <message>
        <source>re6st certificate expiring soon</source>
        <translation>Le certificat re6st expire bientôt</translation>
    </message>
</context>
<context>
    <name>re6st::gui::TunnelsModel</name>
    <message>
        <source>Interface</source>
        <translation>Interface</translation>
    </message>
    <message>
        <source>Peer</source>
        <translation>Pair</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protocole</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Sens</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Depuis</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Reçu</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Envoyé</translation>
    </message>
    <message>
        <source>outgoing</source>
        <translation>sortant</translation>
    </message>
    <message>
        <source>incoming</source>
        <translation>entrant</translation>
    </message>
</context>
</TS>
