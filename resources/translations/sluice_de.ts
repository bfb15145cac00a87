<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE" sourcelanguage="en">
<context>
    <name>sluice::app::WindowHost</name>
    <message>
        <source>Sluice cannot start</source>
        <translation>Sluice kann nicht starten</translation>
    </message>
</context>
<context>
    <name>sluice::config::Limits</name>
    <message>
        <source>Time a client has from the first byte of a request to the end of its header.</source>
        <translation>Zeit, die ein Client vom ersten Byte einer Anfrage bis zum Ende ihres Headers hat.</translation>
    </message>
    <message>
        <source>Longest pause while a body is received or a response is sent.</source>
        <translation>Längste Pause, während ein Rumpf empfangen oder eine Antwort gesendet wird.</translation>
    </message>
    <message>
        <source>Time an idle connection is kept open between requests.</source>
        <translation>Zeit, die eine untätige Verbindung zwischen Anfragen offen gehalten wird.</translation>
    </message>
    <message>
        <source>Open connections accepted at once; more are refused.</source>
        <translation>Gleichzeitig angenommene offene Verbindungen; weitere werden abgelehnt.</translation>
    </message>
    <message>
        <source>Open connections accepted at once from one client address.</source>
        <translation>Gleichzeitig angenommene offene Verbindungen von einer Client-Adresse.</translation>
    </message>
    <message>
        <source>Longest request line (method, target and version).</source>
        <translation>Längste Anfragezeile (Methode, Ziel und Version).</translation>
    </message>
    <message>
        <source>Largest request header section, all fields together.</source>
        <translation>Größter Header-Abschnitt einer Anfrage, alle Felder zusammen.</translation>
    </message>
    <message>
        <source>Most header fields in one request.</source>
        <translation>Höchstzahl der Header-Felder in einer Anfrage.</translation>
    </message>
    <message>
        <source>Largest chunk extension accepted in a chunked request body.</source>
        <translation>Größte angenommene Chunk-Erweiterung in einem Anfragerumpf mit Chunked-Kodierung.</translation>
    </message>
    <message>
        <source>Bytes buffered per connection before reading pauses.</source>
        <translation>Pro Verbindung gepufferte Bytes, bevor das Lesen pausiert.</translation>
    </message>
    <message>
        <source>Unsent response bytes per connection above which producing pauses.</source>
        <translation>Ungesendete Antwortbytes pro Verbindung, ab denen das Erzeugen pausiert.</translation>
    </message>
    <message>
        <source>Unsent response bytes all connections together may hold in memory; when full, connections take turns (file downloads hold none: they are sent from the page cache).</source>
        <translation>Ungesendete Antwortbytes, die alle Verbindungen zusammen im Speicher halten dürfen; ist das voll, wechseln sich die Verbindungen ab (Datei-Downloads halten keine: Sie werden aus dem Seitencache gesendet).</translation>
    </message>
    <message>
        <source>Time running requests get to finish when the service stops.</source>
        <translation>Zeit, die laufende Anfragen zum Abschließen bekommen, wenn der Dienst stoppt.</translation>
    </message>
    <message>
        <source>Time a request&apos;s handler has to answer, or a full body sink to drain; then 503.</source>
        <translation>Zeit, die der Handler einer Anfrage zum Antworten hat oder ein voller Rumpf-Empfänger zum Leeren; danach 503.</translation>
    </message>
    <message>
        <source>Largest JSON request body (job submissions, limit changes).</source>
        <translation>Größter JSON-Anfragerumpf (Auftragsübermittlungen, Änderungen von Grenzwerten).</translation>
    </message>
    <message>
        <source>Open connections no valid token has been seen on, within max_connections (keep it well below, to leave room for accounts); when full, the one quiet longest gives way to a new one, or 503 if none is quiet.</source>
        <translation>Offene Verbindungen, auf denen noch kein gültiges Token gesehen wurde, innerhalb von max_connections (deutlich darunter halten, um Platz für Konten zu lassen); ist das voll, macht die am längsten stille einer neuen Platz, oder 503, wenn keine still ist.</translation>
    </message>
    <message>
        <source>Open connections accepted at once from one IPv6 /64 (one site, like one IPv4 address).</source>
        <translation>Gleichzeitig angenommene offene Verbindungen aus einem IPv6-/64-Netz (ein Standort, wie eine IPv4-Adresse).</translation>
    </message>
    <message>
        <source>Connections accepted beyond every other cap that may only ask for /healthz or /readyz, so that the operator&apos;s probe gets an answer.</source>
        <translation>Über alle anderen Obergrenzen hinaus angenommene Verbindungen, die nur /healthz oder /readyz abfragen dürfen, damit die Zustandsprüfung des Betreibers eine Antwort bekommt.</translation>
    </message>
    <message>
        <source>A request body or response moving slower than this, on average over min_transfer_rate_window_ms, is ended (408, or the connection closed).</source>
        <translation>Ein Anfragerumpf oder eine Antwort, die im Mittel über min_transfer_rate_window_ms langsamer ist, wird beendet (408, oder die Verbindung wird geschlossen).</translation>
    </message>
    <message>
        <source>Time over which min_transfer_rate_bytes_per_s is averaged: the longest a transfer may fall behind that rate.</source>
        <translation>Zeitraum, über den min_transfer_rate_bytes_per_s gemittelt wird: So lange darf eine Übertragung höchstens hinter dieser Rate zurückbleiben.</translation>
    </message>
    <message>
        <source>Most one account may hold of each shared whole: job results (max_result_bytes), upload bytes in flight (max_upload_temp_bytes), connections (max_connections) and the disk above min_free_disk_bytes; an equal part if fewer accounts share it.</source>
        <translation>Höchstanteil eines Kontos an jeder geteilten Gesamtmenge: Auftragsergebnisse (max_result_bytes), Upload-Bytes in Übertragung (max_upload_temp_bytes), Verbindungen (max_connections) und Speicherplatz oberhalb von min_free_disk_bytes; ein gleicher Teil, wenn weniger Konten sie teilen.</translation>
    </message>
    <message>
        <source>Queued jobs, all accounts together; more are refused (503).</source>
        <translation>Wartende Aufträge aller Konten zusammen; weitere werden abgelehnt (503).</translation>
    </message>
    <message>
        <source>Queued and running jobs of one account; more are refused (429).</source>
        <translation>Wartende und laufende Aufträge eines Kontos; weitere werden abgelehnt (429).</translation>
    </message>
    <message>
        <source>Jobs running at once.</source>
        <translation>Gleichzeitig laufende Aufträge.</translation>
    </message>
    <message>
        <source>Longest one attempt of a job may run; then it fails with reason timeout.</source>
        <translation>Längste Laufzeit eines Versuchs eines Auftrags; danach schlägt er mit dem Grund timeout fehl.</translation>
    </message>
    <message>
        <source>Attempts a job gets before it stays failed.</source>
        <translation>Versuche, die ein Auftrag bekommt, bevor er endgültig fehlgeschlagen bleibt.</translation>
    </message>
    <message>
        <source>Wait before the first retry; doubled for each further one, with jitter.</source>
        <translation>Wartezeit vor der ersten Wiederholung; für jede weitere verdoppelt, mit Zufallsstreuung.</translation>
    </message>
    <message>
        <source>Longest wait between two attempts.</source>
        <translation>Längste Wartezeit zwischen zwei Versuchen.</translation>
    </message>
    <message>
        <source>How long a finished job&apos;s result stays downloadable.</source>
        <translation>Wie lange das Ergebnis eines beendeten Auftrags herunterladbar bleibt.</translation>
    </message>
    <message>
        <source>Job results on disk, all together; the oldest are evicted past it.</source>
        <translation>Auftragsergebnisse auf der Festplatte insgesamt; darüber hinaus werden die ältesten verdrängt.</translation>
    </message>
    <message>
        <source>How often expired results are deleted.</source>
        <translation>Wie oft abgelaufene Ergebnisse gelöscht werden.</translation>
    </message>
    <message>
        <source>Time a cancelled or timed-out job has to stop before it is reported stuck.</source>
        <translation>Zeit, die ein abgebrochener oder zeitlich überschrittener Auftrag zum Anhalten hat, bevor er als hängend gemeldet wird.</translation>
    </message>
    <message>
        <source>Job results on disk of one account; its new jobs are refused (507) past it.</source>
        <translation>Auftragsergebnisse eines Kontos auf der Festplatte; darüber hinaus werden seine neuen Aufträge abgelehnt (507).</translation>
    </message>
    <message>
        <source>Age under which a result is not evicted to make room for others (expiry still applies); only its own account&apos;s overshoot of its share, while all results together fill max_result_bytes, evicts younger ones (never the newest).</source>
        <translation>Alter, unter dem ein Ergebnis nicht verdrängt wird, um Platz für andere zu schaffen (der Ablauf gilt weiterhin); nur wenn das eigene Konto seinen Anteil überschreitet, während alle Ergebnisse zusammen max_result_bytes füllen, werden jüngere verdrängt (nie das neueste).</translation>
    </message>
    <message>
        <source>How often the service samples itself for the dashboards and /metrics.</source>
        <translation>Wie oft der Dienst sich selbst für die Dashboards und /metrics misst.</translation>
    </message>
    <message>
        <source>Live streams (GET /api/stream, a remote window each) open at once; beyond it 503.</source>
        <translation>Gleichzeitig offene Live-Streams (GET /api/stream, je ein entferntes Fenster); darüber hinaus 503.</translation>
    </message>
    <message>
        <source>Free disk in the data dir kept free: below it /readyz reports not ready, and uploads and export jobs are refused or wait.</source>
        <translation>Im Datenordner freizuhaltender Speicherplatz: Darunter meldet /readyz nicht bereit, und Uploads und Exportaufträge werden abgelehnt oder warten.</translation>
    </message>
    <message>
        <source>Largest file one upload may carry; larger ones are refused (413).</source>
        <translation>Größte Datei, die ein Upload enthalten darf; größere werden abgelehnt (413).</translation>
    </message>
    <message>
        <source>Uploads receiving at once, all accounts; more are refused (503).</source>
        <translation>Gleichzeitig empfangende Uploads aller Konten; weitere werden abgelehnt (503).</translation>
    </message>
    <message>
        <source>Uploads receiving at once for one account; more are refused (429).</source>
        <translation>Gleichzeitig empfangende Uploads eines Kontos; weitere werden abgelehnt (429).</translation>
    </message>
    <message>
        <source>Bytes that uploads in flight may hold in the temp folder (507 past it).</source>
        <translation>Bytes, die laufende Uploads im temporären Ordner belegen dürfen (darüber hinaus 507).</translation>
    </message>
    <message>
        <source>Stored uploads of one account, with those in flight; more are refused (507).</source>
        <translation>Gespeicherte Uploads eines Kontos, einschließlich laufender; weitere werden abgelehnt (507).</translation>
    </message>
    <message>
        <source>Age after which a temp file no request owns is deleted.</source>
        <translation>Alter, ab dem eine temporäre Datei, die keiner Anfrage gehört, gelöscht wird.</translation>
    </message>
    <message>
        <source>Life of an unfinished resumable upload (/files/) after its last byte; then it expires (410) and its file is deleted.</source>
        <translation>Lebensdauer eines unfertigen fortsetzbaren Uploads (/files/) nach seinem letzten Byte; danach läuft er ab (410) und seine Datei wird gelöscht.</translation>
    </message>
    <message>
        <source>Upload bytes waiting for the disk before the socket stops being read.</source>
        <translation>Upload-Bytes, die auf die Festplatte warten, bevor der Socket nicht mehr gelesen wird.</translation>
    </message>
    <message>
        <source>Parts (files and fields) in one multipart upload.</source>
        <translation>Teile (Dateien und Felder) in einem Multipart-Upload.</translation>
    </message>
    <message>
        <source>Files in one multipart upload.</source>
        <translation>Dateien in einem Multipart-Upload.</translation>
    </message>
    <message>
        <source>Non-file fields in one multipart upload.</source>
        <translation>Felder ohne Datei in einem Multipart-Upload.</translation>
    </message>
    <message>
        <source>Largest value of one non-file multipart field.</source>
        <translation>Größter Wert eines Multipart-Felds ohne Datei.</translation>
    </message>
    <message>
        <source>Largest header block of one multipart part.</source>
        <translation>Größter Header-Block eines Multipart-Teils.</translation>
    </message>
    <message>
        <source>Longest date range an export may cover when served live; longer ones are jobs.</source>
        <translation>Längster Datumsbereich, den ein direkt ausgelieferter Export umfassen darf; längere werden Aufträge.</translation>
    </message>
    <message>
        <source>Estimated rows above which an export is not served live (413, or a job).</source>
        <translation>Geschätzte Zeilenzahl, ab der ein Export nicht direkt ausgeliefert wird (413, oder ein Auftrag).</translation>
    </message>
    <message>
        <source>Rows read from the database at a time during an export.</source>
        <translation>Während eines Exports auf einmal aus der Datenbank gelesene Zeilen.</translation>
    </message>
    <message>
        <source>Longest wait for one batch of rows; a slower database ends the export.</source>
        <translation>Längste Wartezeit auf einen Zeilenstapel; eine langsamere Datenbank beendet den Export.</translation>
    </message>
    <message>
        <source>Queued and running export jobs of one account; more are refused (429).</source>
        <translation>Wartende und laufende Exportaufträge eines Kontos; weitere werden abgelehnt (429).</translation>
    </message>
    <message>
        <source>Live exports (CSV read from the database while it is sent) at once, all accounts; each holds a thread and a database connection. More get 503.</source>
        <translation>Gleichzeitige direkte Exporte (CSV, das beim Senden aus der Datenbank gelesen wird) aller Konten; jeder belegt einen Thread und eine Datenbankverbindung. Weitere erhalten 503.</translation>
    </message>
    <message>
        <source>Live exports of one account at once, of max_live_exports; more get 429.</source>
        <translation>Gleichzeitige direkte Exporte eines Kontos, von max_live_exports; weitere erhalten 429.</translation>
    </message>
    <message>
        <source>Memory one image decode (a thumbnail) may use; a larger need fails processing.</source>
        <translation>Speicher, den das Dekodieren eines Bildes (ein Vorschaubild) nutzen darf; größerer Bedarf lässt die Verarbeitung fehlschlagen.</translation>
    </message>
    <message>
        <source>Time one image decode (a thumbnail) may take; then it is killed and fails.</source>
        <translation>Zeit, die das Dekodieren eines Bildes (ein Vorschaubild) dauern darf; danach wird es beendet und schlägt fehl.</translation>
    </message>
</context>
<context>
    <name>sluice::ui</name>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n Tag</numerusform>
            <numerusform>%n Tage</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>sluice::ui::AlertNotifier</name>
    <message>
        <source>%1: critical</source>
        <translation>%1: kritisch</translation>
    </message>
    <message>
        <source>%1. %2</source>
        <translation>%1. %2</translation>
    </message>
    <message>
        <source>Job failed: %1</source>
        <translation>Auftrag fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>%1 (%2, owner %3) failed for good: %4</source>
        <translation>%1 (%2, Besitzer %3) ist endgültig fehlgeschlagen: %4</translation>
    </message>
    <message>
        <source>%1 jobs failed</source>
        <translation>%1 Aufträge fehlgeschlagen</translation>
    </message>
    <message>
        <source>They failed for good. The first, %1: %2</source>
        <translation>Sie sind endgültig fehlgeschlagen. Der erste, %1: %2</translation>
    </message>
</context>
<context>
    <name>sluice::ui::CertificateDialog</name>
    <message>
        <source>Untrusted certificate</source>
        <translation>Nicht vertrauenswürdiges Zertifikat</translation>
    </message>
    <message>
        <source>Certificate changed</source>
        <translation>Zertifikat geändert</translation>
    </message>
    <message>
        <source>This computer does not trust the certificate of %1.

Trust it only if its SHA-256 fingerprint below is the one the server&apos;s administrator gave you (sluiced tls self-signed prints it). Sluice will then accept this certificate, and only this one, from that server.</source>
        <translation>Dieser Computer vertraut dem Zertifikat von %1 nicht.

Vertrauen Sie ihm nur, wenn sein SHA-256-Fingerabdruck unten mit dem übereinstimmt, den Ihnen der Administrator des Servers gegeben hat (sluiced tls self-signed gibt ihn aus). Sluice akzeptiert dann dieses Zertifikat, und nur dieses, von diesem Server.</translation>
    </message>
    <message>
        <source>The certificate of %1 is not the one you accepted before, so Sluice refused the connection. Someone may be intercepting it.

If the server&apos;s administrator made a new certificate, compare its fingerprint with the one below before you do anything else.</source>
        <translation>Das Zertifikat von %1 ist nicht das, welches Sie zuvor akzeptiert haben, daher hat Sluice die Verbindung abgelehnt. Möglicherweise wird sie abgefangen.

Falls der Administrator des Servers ein neues Zertifikat erstellt hat, vergleichen Sie dessen Fingerabdruck mit dem unten angezeigten, bevor Sie irgendetwas anderes tun.</translation>
    </message>
    <message>
        <source>&amp;Trust this certificate</source>
        <translation>Diesem Zertifikat &amp;vertrauen</translation>
    </message>
</context>
<context>
    <name>sluice::ui::ConnectDialog</name>
    <message>
        <source>Connect to a Sluice service</source>
        <translation>Mit einem Sluice-Dienst verbinden</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>&amp;Forget</source>
        <translation>Ver&amp;gessen</translation>
    </message>
    <message>
        <source>Forget this certificate: the next connection asks about the one the server presents</source>
        <translation>Dieses Zertifikat vergessen: Die nächste Verbindung fragt nach dem, das der Server vorlegt</translation>
    </message>
    <message>
        <source>Certificate:</source>
        <translation>Zertifikat:</translation>
    </message>
    <message>
        <source>an admin&apos;s token (sluiced token add NAME --admin)</source>
        <translation>das Token eines Administrators (sluiced token add NAME --admin)</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Anzeigen</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Verbergen</translation>
    </message>
    <message>
        <source>&amp;Token:</source>
        <translation>&amp;Token:</translation>
    </message>
    <message>
        <source>&amp;Remember token in the keyring</source>
        <translation>Token im Schlüsselbund &amp;merken</translation>
    </message>
    <message>
        <source>no keyring: the token is kept until Sluice quits</source>
        <translation>kein Schlüsselbund: Das Token wird bis zum Beenden von Sluice behalten</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>&amp;Verbinden</translation>
    </message>
    <message>
        <source>Enter the server&apos;s URL, such as https://host:8443.</source>
        <translation>Geben Sie die URL des Servers ein, etwa https://host:8443.</translation>
    </message>
    <message>
        <source>The URL must start with http:// or https://.</source>
        <translation>Die URL muss mit http:// oder https:// beginnen.</translation>
    </message>
    <message>
        <source>This is not a URL: %1</source>
        <translation>Das ist keine URL: %1</translation>
    </message>
    <message>
        <source>The URL has no host.</source>
        <translation>Die URL enthält keinen Host.</translation>
    </message>
    <message>
        <source>Remove the user name from the URL: the token goes in its own field.</source>
        <translation>Entfernen Sie den Benutzernamen aus der URL: Das Token gehört in sein eigenes Feld.</translation>
    </message>
    <message>
        <source>Remove the path “%1”: the URL ends after the host and port.</source>
        <translation>Entfernen Sie den Pfad „%1“: Die URL endet nach Host und Port.</translation>
    </message>
    <message>
        <source>Remove the query “?%1”: the URL ends after the host and port.</source>
        <translation>Entfernen Sie die Abfrage „?%1“: Die URL endet nach Host und Port.</translation>
    </message>
    <message>
        <source>Remove the fragment “#%1”: the URL ends after the host and port.</source>
        <translation>Entfernen Sie das Fragment „#%1“: Die URL endet nach Host und Port.</translation>
    </message>
    <message>
        <source>accepted, SHA-256 %1</source>
        <translation>akzeptiert, SHA-256 %1</translation>
    </message>
</context>
<context>
    <name>sluice::ui::ConnectionText</name>
    <message>
        <source>This computer&apos;s service</source>
        <translation>Dienst dieses Computers</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbinde mit %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Verbunden mit %1</translation>
    </message>
    <message>
        <source>Reconnecting in %1 s…</source>
        <translation>Neue Verbindung in %1 s…</translation>
    </message>
    <message>
        <source>Unauthorized: %1</source>
        <translation>Nicht berechtigt: %1</translation>
    </message>
    <message>
        <source>the server refused the token</source>
        <translation>der Server hat das Token abgelehnt</translation>
    </message>
    <message>
        <source>Certificate not trusted (fingerprint %1): not connected until you trust it (File ▸ Connect to… asks again)</source>
        <translation>Zertifikat nicht vertrauenswürdig (Fingerabdruck %1): keine Verbindung, bis Sie ihm vertrauen (Datei ▸ Verbinden mit… fragt erneut)</translation>
    </message>
    <message>
        <source>Certificate changed: refused (fingerprint %1)</source>
        <translation>Zertifikat geändert: abgelehnt (Fingerabdruck %1)</translation>
    </message>
    <message>
        <source>Not connected: %1</source>
        <translation>Nicht verbunden: %1</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>gestoppt</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>startet</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>stopping</source>
        <translation>wird gestoppt</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>sluice::ui::DashboardPage</name>
    <message>
        <source>Last minute</source>
        <translation>Letzte Minute</translation>
    </message>
    <message>
        <source>Last 5 minutes</source>
        <translation>Letzte 5 Minuten</translation>
    </message>
    <message>
        <source>Last 15 minutes</source>
        <translation>Letzte 15 Minuten</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Pausieren</translation>
    </message>
    <message>
        <source>Freeze the charts; the tiles keep updating</source>
        <translation>Diagramme einfrieren; die Kacheln werden weiter aktualisiert</translation>
    </message>
    <message>
        <source>Save as PNG…</source>
        <translation>Als PNG speichern…</translation>
    </message>
    <message>
        <source>Thresholds…</source>
        <translation>Schwellenwerte…</translation>
    </message>
    <message>
        <source>Resident memory</source>
        <translation>Residenter Speicher</translation>
    </message>
    <message>
        <source>Open files</source>
        <translation>Offene Dateien</translation>
    </message>
    <message>
        <source>Temp files</source>
        <translation>Temporäre Dateien</translation>
    </message>
    <message>
        <source>Job queue</source>
        <translation>Auftragswarteschlange</translation>
    </message>
    <message>
        <source>Oldest queued job</source>
        <translation>Längste Wartezeit</translation>
    </message>
    <message>
        <source>Throughput</source>
        <translation>Durchsatz</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Free disk</source>
        <translation>Freier Speicherplatz</translation>
    </message>
    <message>
        <source>RSS</source>
        <translation>RSS</translation>
    </message>
    <message>
        <source>Temp files and results on disk</source>
        <translation>Temporäre Dateien und Ergebnisse auf der Festplatte</translation>
    </message>
    <message>
        <source>Job results</source>
        <translation>Auftragsergebnisse</translation>
    </message>
    <message>
        <source>Job queue by state</source>
        <translation>Auftragswarteschlange nach Status</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Laufend</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Job age</source>
        <translation>Auftragsalter</translation>
    </message>
    <message>
        <source>Oldest queued</source>
        <translation>Längste Wartezeit</translation>
    </message>
    <message>
        <source>Longest running</source>
        <translation>Längster Lauf</translation>
    </message>
    <message>
        <source>In</source>
        <translation>Eingehend</translation>
    </message>
    <message>
        <source>Out</source>
        <translation>Ausgehend</translation>
    </message>
    <message>
        <source>Requests and rows per second</source>
        <translation>Anfragen und Zeilen pro Sekunde</translation>
    </message>
    <message>
        <source>Requests/s</source>
        <translation>Anfragen/s</translation>
    </message>
    <message>
        <source>Rows/s</source>
        <translation>Zeilen/s</translation>
    </message>
    <message>
        <source>In flight</source>
        <translation>In Bearbeitung</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Uploads</source>
        <translation>Uploads</translation>
    </message>
    <message>
        <source>Exports</source>
        <translation>Exporte</translation>
    </message>
    <message>
        <source>Save charts</source>
        <translation>Diagramme speichern</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Fortsetzen</translation>
    </message>
    <message>
        <source>budget %1</source>
        <translation>Budget %1</translation>
    </message>
    <message>
        <source>Critical above the memory budget set under Thresholds.</source>
        <translation>Kritisch oberhalb des unter Schwellenwerte festgelegten Speicherbudgets.</translation>
    </message>
    <message>
        <source>of %1</source>
        <translation>von %1</translation>
    </message>
    <message>
        <source>Warns above %1% of the file descriptor limit.</source>
        <translation>Warnt oberhalb von %1 % des Grenzwerts für Dateideskriptoren.</translation>
    </message>
    <message>
        <source>%1; results %2</source>
        <translation>%1; Ergebnisse %2</translation>
    </message>
    <message>
        <source>%1 queued</source>
        <translation>%1 wartend</translation>
    </message>
    <message>
        <source>nothing finished for %1</source>
        <translation>seit %1 nichts fertig</translation>
    </message>
    <message>
        <source>%1 running</source>
        <translation>%1 laufend</translation>
    </message>
    <message>
        <source>Critical when jobs wait and none has finished for %1.</source>
        <translation>Kritisch, wenn Aufträge warten und seit %1 keiner abgeschlossen wurde.</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>longest running %1</source>
        <translation>längster Lauf %1</translation>
    </message>
    <message>
        <source>Warns when a job has waited longer than %1; critical when one runs longer than job_max_runtime_ms.</source>
        <translation>Warnt, wenn ein Auftrag länger als %1 gewartet hat; kritisch, wenn einer länger als job_max_runtime_ms läuft.</translation>
    </message>
    <message>
        <source>in %1
out %2</source>
        <translation>ein %1
aus %2</translation>
    </message>
    <message>
        <source>%1 requests answered/s</source>
        <translation>%1 Antworten/s</translation>
    </message>
    <message>
        <source>%1 requests in flight</source>
        <translation>%1 laufende Anfragen</translation>
    </message>
    <message>
        <source>Warns at 90% of max_connections.</source>
        <translation>Warnt bei 90 % von max_connections.</translation>
    </message>
    <message>
        <source>minimum %1</source>
        <translation>Minimum %1</translation>
    </message>
    <message>
        <source>Critical below min_free_disk_bytes: the service stops being ready.</source>
        <translation>Kritisch unterhalb von min_free_disk_bytes: Der Dienst ist dann nicht mehr bereit.</translation>
    </message>
    <message>
        <source>Dashboard thresholds</source>
        <translation>Schwellenwerte des Dashboards</translation>
    </message>
    <message>
        <source>Memory budget:</source>
        <translation>Speicherbudget:</translation>
    </message>
    <message>
        <source>Open files warning at:</source>
        <translation>Warnung bei offenen Dateien ab:</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>Queue stuck after:</source>
        <translation>Warteschlange hängt nach:</translation>
    </message>
    <message>
        <source>Oldest queued job warning after:</source>
        <translation>Warnung bei Wartezeit ab:</translation>
    </message>
    <message>
        <source>Time window</source>
        <translation>Zeitraum</translation>
    </message>
    <message>
        <source>Sho&amp;w:</source>
        <translation>&amp;Zeitraum:</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>Diagramme</translation>
    </message>
</context>
<context>
    <name>sluice::ui::EventsModel</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>Client</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>Anfrage</translation>
    </message>
    <message>
        <source>Double-click to show job %1 in the Jobs tab</source>
        <translation>Doppelklicken, um Auftrag %1 im Reiter Aufträge anzuzeigen</translation>
    </message>
</context>
<context>
    <name>sluice::ui::EventsPage</name>
    <message>
        <source>All kinds</source>
        <translation>Alle Arten</translation>
    </message>
    <message>
        <source>Search events…</source>
        <translation>Ereignisse durchsuchen…</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>Ereignisse</translation>
    </message>
    <message>
        <source>Event kind</source>
        <translation>Ereignisart</translation>
    </message>
    <message>
        <source>Search events</source>
        <translation>Ereignisse durchsuchen</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Filter zurücksetzen</translation>
    </message>
    <message>
        <source>Show every event again</source>
        <translation>Wieder alle Ereignisse anzeigen</translation>
    </message>
    <message>
        <source>Filtered: %1 of %2 events shown</source>
        <translation>Gefiltert: %1 von %2 Ereignissen angezeigt</translation>
    </message>
    <message>
        <source>%1 events</source>
        <translation>%1 Ereignisse</translation>
    </message>
</context>
<context>
    <name>sluice::ui::JobsModel</name>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Besitzer</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Rows</source>
        <translation>Zeilen</translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation>Bytes</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>Alter</translation>
    </message>
    <message>
        <source>Runtime</source>
        <translation>Laufzeit</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
    </message>
    <message>
        <source>Result expires</source>
        <translation>Ergebnis läuft ab</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>wartend</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>erfolgreich</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>abgelaufen</translation>
    </message>
</context>
<context>
    <name>sluice::ui::JobsPage</name>
    <message>
        <source>All states</source>
        <translation>Alle Status</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>Alle Arten</translation>
    </message>
    <message>
        <source>All owners</source>
        <translation>Alle Besitzer</translation>
    </message>
    <message>
        <source>Search id, kind, owner, error…</source>
        <translation>ID, Art, Besitzer, Fehler…</translation>
    </message>
    <message>
        <source>&amp;Cancel job</source>
        <translation>&amp;Abbrechen</translation>
    </message>
    <message>
        <source>Cancel the selected queued or running jobs (Ctrl+K)</source>
        <translation>Die ausgewählten wartenden oder laufenden Aufträge abbrechen (Strg+K)</translation>
    </message>
    <message>
        <source>&amp;Retry job</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <source>Queue the selected failed, cancelled or expired jobs again (Ctrl+R)</source>
        <translation>Die ausgewählten fehlgeschlagenen, abgebrochenen oder abgelaufenen Aufträge erneut einreihen (Strg+R)</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>Delete the selected finished jobs and their results (Del)</source>
        <translation>Die ausgewählten beendeten Aufträge und ihre Ergebnisse löschen (Entf)</translation>
    </message>
    <message>
        <source>&amp;Open result</source>
        <translation>Ergebnis ö&amp;ffnen</translation>
    </message>
    <message>
        <source>Open the finished result with the default application (Ctrl+O)</source>
        <translation>Das fertige Ergebnis mit der Standardanwendung öffnen (Strg+O)</translation>
    </message>
    <message>
        <source>Show in &amp;folder</source>
        <translation>Im &amp;Ordner zeigen</translation>
    </message>
    <message>
        <source>Open the folder that holds the result (Ctrl+Shift+O)</source>
        <translation>Den Ordner mit dem Ergebnis öffnen (Strg+Umschalt+O)</translation>
    </message>
    <message>
        <source>Load &amp;older</source>
        <translation>&amp;Ältere laden</translation>
    </message>
    <message>
        <source>The table keeps the newest %L1 jobs: show %L1 older ones as well</source>
        <translation>Die Tabelle enthält die neuesten %L1 Aufträge: %L1 ältere zusätzlich anzeigen</translation>
    </message>
    <message>
        <source>&amp;New export…</source>
        <translation>&amp;Neuer Export…</translation>
    </message>
    <message>
        <source>Start an export job of a dataset (Ctrl+N)</source>
        <translation>Einen Exportauftrag für einen Datenbestand starten (Strg+N)</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Filter zurücksetzen</translation>
    </message>
    <message>
        <source>Show every job again</source>
        <translation>Wieder alle Aufträge anzeigen</translation>
    </message>
    <message>
        <source>Export job %1 submitted.</source>
        <translation>Exportauftrag %1 übermittelt.</translation>
    </message>
    <message>
        <source>Job %1 is not in the table: deleted, or older than the jobs it holds (Load older).</source>
        <translation>Auftrag %1 ist nicht in der Tabelle: gelöscht oder älter als die enthaltenen Aufträge (Ältere laden).</translation>
    </message>
    <message>
        <source>%1 of %2 jobs shown, %3 selected</source>
        <translation>%1 von %2 Aufträgen angezeigt, %3 ausgewählt</translation>
    </message>
    <message>
        <source>Filtered: %1</source>
        <translation>Gefiltert: %1</translation>
    </message>
    <message>
        <source>Select a job to see its parameters, attempts and errors.</source>
        <translation>Wählen Sie einen Auftrag aus, um seine Parameter, Versuche und Fehler zu sehen.</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Besitzer</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>%1 rows, %2</source>
        <translation>%1 Zeilen, %2</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
    </message>
    <message>
        <source>Attempt history</source>
        <translation>Verlauf der Versuche</translation>
    </message>
    <message numerus="yes">
        <source>Cancelling %n job(s)…</source>
        <translation>
            <numerusform>Breche %n Auftrag ab…</numerusform>
            <numerusform>Breche %n Aufträge ab…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retrying %n job(s)…</source>
        <translation>
            <numerusform>Wiederhole %n Auftrag…</numerusform>
            <numerusform>Wiederhole %n Aufträge…</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete jobs</source>
        <translation>Aufträge löschen</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n job(s) and their result files? This cannot be undone.</source>
        <translation>
            <numerusform>%n Auftrag und seine Ergebnisdateien löschen? Das kann nicht rückgängig gemacht werden.</numerusform>
            <numerusform>%n Aufträge und ihre Ergebnisdateien löschen? Das kann nicht rückgängig gemacht werden.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Deleting %n job(s)…</source>
        <translation>
            <numerusform>Lösche %n Auftrag…</numerusform>
            <numerusform>Lösche %n Aufträge…</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not open %1</source>
        <translation>%1 konnte nicht geöffnet werden</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Aufträge</translation>
    </message>
    <message>
        <source>Job state</source>
        <translation>Auftragsstatus</translation>
    </message>
    <message>
        <source>Job kind</source>
        <translation>Auftragsart</translation>
    </message>
    <message>
        <source>Search jobs</source>
        <translation>Aufträge durchsuchen</translation>
    </message>
    <message>
        <source>Job details</source>
        <translation>Auftragsdetails</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
</context>
<context>
    <name>sluice::ui::LimitText</name>
    <message>
        <source>Connections, in all</source>
        <translation>Verbindungen insgesamt</translation>
    </message>
    <message>
        <source>Connections per client address</source>
        <translation>Verbindungen pro Client-Adresse</translation>
    </message>
    <message>
        <source>Connections per IPv6 /64 network</source>
        <translation>Verbindungen pro IPv6-/64-Netz</translation>
    </message>
    <message>
        <source>Connections without a token yet</source>
        <translation>Verbindungen noch ohne Token</translation>
    </message>
    <message>
        <source>Connections kept for health checks</source>
        <translation>Für Zustandsprüfungen freigehaltene Verbindungen</translation>
    </message>
    <message>
        <source>Time to send the request head</source>
        <translation>Zeit zum Senden des Anfragekopfs</translation>
    </message>
    <message>
        <source>Silence allowed inside a body</source>
        <translation>Erlaubte Pause innerhalb eines Rumpfs</translation>
    </message>
    <message>
        <source>Idle keep-alive connection kept for</source>
        <translation>Untätige Keep-alive-Verbindung gehalten für</translation>
    </message>
    <message>
        <source>Slowest transfer rate allowed</source>
        <translation>Langsamste erlaubte Übertragungsrate</translation>
    </message>
    <message>
        <source>Transfer rate measured over</source>
        <translation>Übertragungsrate gemessen über</translation>
    </message>
    <message>
        <source>Time to start answering</source>
        <translation>Zeit bis zum Beginn der Antwort</translation>
    </message>
    <message>
        <source>Grace for requests at stop</source>
        <translation>Schonfrist für Anfragen beim Stoppen</translation>
    </message>
    <message>
        <source>Request line size</source>
        <translation>Größe der Anfragezeile</translation>
    </message>
    <message>
        <source>Request head size</source>
        <translation>Größe des Anfragekopfs</translation>
    </message>
    <message>
        <source>Header fields per request</source>
        <translation>Header-Felder pro Anfrage</translation>
    </message>
    <message>
        <source>Chunk extension size</source>
        <translation>Größe der Chunk-Erweiterung</translation>
    </message>
    <message>
        <source>JSON body size</source>
        <translation>Größe des JSON-Rumpfs</translation>
    </message>
    <message>
        <source>Unsent answer held per connection</source>
        <translation>Ungesendete Antwortdaten pro Verbindung</translation>
    </message>
    <message>
        <source>Unsent answers held, in all</source>
        <translation>Ungesendete Antwortdaten insgesamt</translation>
    </message>
    <message>
        <source>Read buffer per connection</source>
        <translation>Lesepuffer pro Verbindung</translation>
    </message>
    <message>
        <source>Live streams open</source>
        <translation>Offene Live-Streams</translation>
    </message>
    <message>
        <source>One account&apos;s share of a shared limit</source>
        <translation>Anteil eines Kontos an einem geteilten Grenzwert</translation>
    </message>
    <message>
        <source>Upload size</source>
        <translation>Upload-Größe</translation>
    </message>
    <message>
        <source>Uploads at once, in all</source>
        <translation>Gleichzeitige Uploads insgesamt</translation>
    </message>
    <message>
        <source>Uploads at once per account</source>
        <translation>Gleichzeitige Uploads pro Konto</translation>
    </message>
    <message>
        <source>Unfinished uploads on disk, in all</source>
        <translation>Unfertige Uploads auf der Festplatte insgesamt</translation>
    </message>
    <message>
        <source>Unfinished uploads on disk per account</source>
        <translation>Unfertige Uploads auf der Festplatte pro Konto</translation>
    </message>
    <message>
        <source>Stored uploads per account</source>
        <translation>Gespeicherte Uploads pro Konto</translation>
    </message>
    <message>
        <source>Upload bytes buffered before disk</source>
        <translation>Vor dem Schreiben gepufferte Upload-Bytes</translation>
    </message>
    <message>
        <source>Form parts</source>
        <translation>Formularteile</translation>
    </message>
    <message>
        <source>Files per form</source>
        <translation>Dateien pro Formular</translation>
    </message>
    <message>
        <source>Form fields</source>
        <translation>Formularfelder</translation>
    </message>
    <message>
        <source>Form field size</source>
        <translation>Größe eines Formularfelds</translation>
    </message>
    <message>
        <source>Form part head size</source>
        <translation>Größe des Kopfs eines Formularteils</translation>
    </message>
    <message>
        <source>Memory to decode an image</source>
        <translation>Speicher zum Dekodieren eines Bildes</translation>
    </message>
    <message>
        <source>Time to decode an image</source>
        <translation>Zeit zum Dekodieren eines Bildes</translation>
    </message>
    <message>
        <source>Days in a direct export</source>
        <translation>Tage in einem direkten Export</translation>
    </message>
    <message>
        <source>Rows in a direct export</source>
        <translation>Zeilen in einem direkten Export</translation>
    </message>
    <message>
        <source>Direct exports at once, in all</source>
        <translation>Gleichzeitige direkte Exporte insgesamt</translation>
    </message>
    <message>
        <source>Direct exports at once per account</source>
        <translation>Gleichzeitige direkte Exporte pro Konto</translation>
    </message>
    <message>
        <source>Export jobs per account</source>
        <translation>Exportaufträge pro Konto</translation>
    </message>
    <message>
        <source>Rows read at a time</source>
        <translation>Auf einmal gelesene Zeilen</translation>
    </message>
    <message>
        <source>Stalled export reader ended after</source>
        <translation>Stockender Exportleser beendet nach</translation>
    </message>
    <message>
        <source>Jobs waiting, in all</source>
        <translation>Wartende Aufträge insgesamt</translation>
    </message>
    <message>
        <source>Jobs waiting per account</source>
        <translation>Wartende Aufträge pro Konto</translation>
    </message>
    <message>
        <source>Jobs running at once</source>
        <translation>Gleichzeitig laufende Aufträge</translation>
    </message>
    <message>
        <source>Longest run of a job</source>
        <translation>Längste Laufzeit eines Auftrags</translation>
    </message>
    <message>
        <source>Attempts per job</source>
        <translation>Versuche pro Auftrag</translation>
    </message>
    <message>
        <source>First retry after</source>
        <translation>Erste Wiederholung nach</translation>
    </message>
    <message>
        <source>Longest retry delay</source>
        <translation>Längste Wartezeit vor einer Wiederholung</translation>
    </message>
    <message>
        <source>Grace for a cancelled job</source>
        <translation>Schonfrist für einen abgebrochenen Auftrag</translation>
    </message>
    <message>
        <source>Free disk kept</source>
        <translation>Freizuhaltender Speicherplatz</translation>
    </message>
    <message>
        <source>Job results, in all</source>
        <translation>Auftragsergebnisse insgesamt</translation>
    </message>
    <message>
        <source>Job results per account</source>
        <translation>Auftragsergebnisse pro Konto</translation>
    </message>
    <message>
        <source>Job results kept per account</source>
        <translation>Aufbewahrte Auftragsergebnisse pro Konto</translation>
    </message>
    <message>
        <source>Job results kept for</source>
        <translation>Auftragsergebnisse aufbewahrt für</translation>
    </message>
    <message>
        <source>Results never evicted younger than</source>
        <translation>Ergebnisse nie verdrängt, wenn jünger als</translation>
    </message>
    <message>
        <source>Abandoned temporary files kept for</source>
        <translation>Verwaiste temporäre Dateien aufbewahrt für</translation>
    </message>
    <message>
        <source>Unfinished resumable uploads kept for</source>
        <translation>Unfertige fortsetzbare Uploads aufbewahrt für</translation>
    </message>
    <message>
        <source>Expiry checked every</source>
        <translation>Ablauf geprüft alle</translation>
    </message>
    <message>
        <source>Sample every</source>
        <translation>Messung alle</translation>
    </message>
    <message>
        <source>bytes</source>
        <translation>Byte</translation>
    </message>
    <message numerus="yes">
        <source>%n days</source>
        <translation>
            <numerusform>%n Tag</numerusform>
            <numerusform>%n Tage</numerusform>
        </translation>
    </message>
    <message>
        <source>Connections and HTTP</source>
        <translation>Verbindungen und HTTP</translation>
    </message>
    <message>
        <source>Uploads</source>
        <translation>Uploads</translation>
    </message>
    <message>
        <source>Exports</source>
        <translation>Exporte</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Aufträge</translation>
    </message>
    <message>
        <source>Disk</source>
        <translation>Festplatte</translation>
    </message>
    <message>
        <source>Observability</source>
        <translation>Beobachtbarkeit</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Sonstiges</translation>
    </message>
</context>
<context>
    <name>sluice::ui::LimitsEditor</name>
    <message>
        <source>a size such as 2048, 16 KiB or 1.5 GiB</source>
        <translation>eine Größe wie 2048, 16 KiB oder 1,5 GiB</translation>
    </message>
    <message>
        <source>a rate such as 1024 or 64 KiB/s</source>
        <translation>eine Rate wie 1024 oder 64 KiB/s</translation>
    </message>
    <message>
        <source>a duration such as 500 ms, 30 s, 5 min or 2 h</source>
        <translation>eine Dauer wie 500 ms, 30 s, 5 min oder 2 h</translation>
    </message>
    <message>
        <source>a whole number</source>
        <translation>eine ganze Zahl</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>&amp;Übernehmen</translation>
    </message>
    <message>
        <source>Re&amp;vert</source>
        <translation>&amp;Verwerfen</translation>
    </message>
    <message>
        <source>Filter limits by name, key or description…</source>
        <translation>Grenzwerte nach Name, Schlüssel oder Beschreibung filtern…</translation>
    </message>
    <message>
        <source>From %1 to %2; default %3</source>
        <translation>Von %1 bis %2; Standard %3</translation>
    </message>
    <message>
        <source>Save to the config file and apply to the running service</source>
        <translation>In der Konfigurationsdatei speichern und auf den laufenden Dienst anwenden</translation>
    </message>
    <message>
        <source>Show the limits the service runs with</source>
        <translation>Die Grenzwerte anzeigen, mit denen der Dienst läuft</translation>
    </message>
    <message>
        <source>Restore &amp;defaults</source>
        <translation>&amp;Standardwerte</translation>
    </message>
    <message>
        <source>Fill in every default; nothing changes until Apply</source>
        <translation>Alle Standardwerte eintragen; nichts ändert sich vor Übernehmen</translation>
    </message>
    <message>
        <source>Applied and saved.</source>
        <translation>Übernommen und gespeichert.</translation>
    </message>
    <message>
        <source>Not applied: %1</source>
        <translation>Nicht übernommen: %1</translation>
    </message>
    <message>
        <source>not %1</source>
        <translation>erwartet: %1</translation>
    </message>
    <message>
        <source>out of range: %1 to %2</source>
        <translation>außerhalb des Bereichs: %1 bis %2</translation>
    </message>
    <message>
        <source>was %1</source>
        <translation>war %1</translation>
    </message>
    <message>
        <source>Apply saves to the config file and applies at once: %1</source>
        <translation>Übernehmen speichert in der Konfigurationsdatei und wendet sofort an: %1</translation>
    </message>
    <message>
        <source>Applying…</source>
        <translation>Wird übernommen…</translation>
    </message>
    <message>
        <source>Filter limits</source>
        <translation>Grenzwerte filtern</translation>
    </message>
    <message>
        <source>not a number without thousands separators (10000, not 10.000)</source>
        <translation>keine Zahl ohne Tausendertrennzeichen (10000, nicht 10.000)</translation>
    </message>
    <message>
        <source>%1 (%2): %3</source>
        <translation>%1 (%2): %3</translation>
    </message>
</context>
<context>
    <name>sluice::ui::MainWindow</name>
    <message>
        <source>Sluice</source>
        <translation>Sluice</translation>
    </message>
    <message>
        <source>&amp;Dashboard</source>
        <translation>Dash&amp;board</translation>
    </message>
    <message>
        <source>&amp;Jobs</source>
        <translation>Auf&amp;träge</translation>
    </message>
    <message>
        <source>&amp;Uploads</source>
        <translation>&amp;Uploads</translation>
    </message>
    <message>
        <source>T&amp;ransfers</source>
        <translation>Übe&amp;rtragungen</translation>
    </message>
    <message>
        <source>&amp;Limits</source>
        <translation>&amp;Grenzwerte</translation>
    </message>
    <message>
        <source>&amp;Events</source>
        <translation>&amp;Ereignisse</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Sluice dashboard</source>
        <translation>Sluice-Dashboard</translation>
    </message>
    <message>
        <source>Sluice dashboard: %1</source>
        <translation>Sluice-Dashboard: %1</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Connect to…</source>
        <translation>&amp;Verbinden mit…</translation>
    </message>
    <message>
        <source>&amp;Local service</source>
        <translation>&amp;Lokaler Dienst</translation>
    </message>
    <message>
        <source>Show the service running on this computer</source>
        <translation>Den auf diesem Computer laufenden Dienst anzeigen</translation>
    </message>
    <message>
        <source>&amp;New export…</source>
        <translation>&amp;Neuer Export…</translation>
    </message>
    <message>
        <source>Start an export job of a dataset</source>
        <translation>Einen Exportauftrag für einen Datenbestand starten</translation>
    </message>
    <message>
        <source>Open &amp;data folder</source>
        <translation>Daten&amp;ordner öffnen</translation>
    </message>
    <message>
        <source>Open the service&apos;s data folder in the file manager</source>
        <translation>Den Datenordner des Dienstes im Dateimanager öffnen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Close the window and stop the service it runs</source>
        <translation>Das Fenster schließen und den Dienst stoppen, den es ausführt</translation>
    </message>
    <message>
        <source>&amp;Service</source>
        <translation>D&amp;ienst</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>&amp;Starten</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>Sto&amp;ppen</translation>
    </message>
    <message>
        <source>Copy &amp;address</source>
        <translation>&amp;Adresse kopieren</translation>
    </message>
    <message>
        <source>Address copied to the clipboard.</source>
        <translation>Adresse in die Zwischenablage kopiert.</translation>
    </message>
    <message>
        <source>Copy &amp;token</source>
        <translation>&amp;Token kopieren</translation>
    </message>
    <message>
        <source>Access token copied to the clipboard.</source>
        <translation>Zugangstoken in die Zwischenablage kopiert.</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>Dashboard in a &amp;window</source>
        <translation>Dashboard in eigenem &amp;Fenster</translation>
    </message>
    <message>
        <source>The dashboard in a window of its own, for a second screen</source>
        <translation>Das Dashboard in einem eigenen Fenster, für einen zweiten Bildschirm</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;API reference</source>
        <translation>&amp;API-Referenz</translation>
    </message>
    <message>
        <source>docs/api.md is not installed</source>
        <translation>docs/api.md ist nicht installiert</translation>
    </message>
    <message>
        <source>Could not open %1</source>
        <translation>%1 konnte nicht geöffnet werden</translation>
    </message>
    <message>
        <source>&amp;About Sluice</source>
        <translation>Ü&amp;ber Sluice</translation>
    </message>
    <message>
        <source>About Sluice</source>
        <translation>Über Sluice</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Sluice %1&lt;/h3&gt;&lt;p&gt;HTTP uploads and exports that stay calm under load, and the window to watch and steer them.&lt;/p&gt;&lt;p&gt;Qt %2 (built with %3)&lt;br&gt;%4&lt;/p&gt;&lt;p&gt;GPL-3.0-or-later&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Sluice %1&lt;/h3&gt;&lt;p&gt;HTTP-Uploads und -Exporte, die auch unter Last ruhig bleiben, und das Fenster, um sie zu beobachten und zu steuern.&lt;/p&gt;&lt;p&gt;Qt %2 (erstellt mit %3)&lt;br&gt;%4&lt;/p&gt;&lt;p&gt;GPL-3.0-or-later&lt;/p&gt;</translation>
    </message>
    <message>
        <source>%1 d %2</source>
        <translation>%1 d %2</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>Server:</translation>
    </message>
    <message>
        <source>Connection:</source>
        <translation>Verbindung:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Access token:</source>
        <translation>Zugangstoken:</translation>
    </message>
    <message>
        <source>Uptime:</source>
        <translation>Laufzeit:</translation>
    </message>
    <message>
        <source>Last error:</source>
        <translation>Letzter Fehler:</translation>
    </message>
    <message>
        <source>Instance</source>
        <translation>Instanz</translation>
    </message>
    <message>
        <source>Ready:</source>
        <translation>Bereit:</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>Version:</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Open the data folder in the file manager</source>
        <translation>Den Datenordner im Dateimanager öffnen</translation>
    </message>
    <message>
        <source>Data folder:</source>
        <translation>Datenordner:</translation>
    </message>
    <message>
        <source>Config file:</source>
        <translation>Konfigurationsdatei:</translation>
    </message>
    <message>
        <source>Ready: new uploads and jobs are taken</source>
        <translation>Bereit: Neue Uploads und Aufträge werden angenommen</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>Nicht bereit</translation>
    </message>
    <message>
        <source>Not ready: %1</source>
        <translation>Nicht bereit: %1</translation>
    </message>
    <message>
        <source>%1 (this window: %2)</source>
        <translation>%1 (dieses Fenster: %2)</translation>
    </message>
    <message>
        <source>none: built-in defaults</source>
        <translation>keine: eingebaute Standardwerte</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the service URL to the clipboard</source>
        <translation>Die URL des Dienstes in die Zwischenablage kopieren</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Anzeigen</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Verbergen</translation>
    </message>
    <message>
        <source>Copy the access token to the clipboard</source>
        <translation>Das Zugangstoken in die Zwischenablage kopieren</translation>
    </message>
    <message>
        <source>The token was shown once, at first run. To issue another, run &lt;code&gt;sluiced token add NAME&lt;/code&gt;.</source>
        <translation>Das Token wurde einmal beim ersten Start angezeigt. Um ein weiteres auszustellen, führen Sie &lt;code&gt;sluiced token add NAME&lt;/code&gt; aus.</translation>
    </message>
    <message>
        <source>No reason was reported.</source>
        <translation>Es wurde kein Grund gemeldet.</translation>
    </message>
    <message>
        <source>Open in a web browser</source>
        <translation>In einem Webbrowser öffnen</translation>
    </message>
    <message>
        <source>not listening</source>
        <translation>lauscht nicht</translation>
    </message>
    <message>
        <source>Sluice — %1</source>
        <translation>Sluice — %1</translation>
    </message>
    <message>
        <source>&amp;Show Sluice</source>
        <translation>Sluice &amp;anzeigen</translation>
    </message>
    <message>
        <source>Sluice: %1</source>
        <translation>Sluice: %1</translation>
    </message>
    <message>
        <source>, ready</source>
        <translation>, bereit</translation>
    </message>
    <message>
        <source>, not ready</source>
        <translation>, nicht bereit</translation>
    </message>
    <message>
        <source>Keep the service running?</source>
        <translation>Dienst weiterlaufen lassen?</translation>
    </message>
    <message>
        <source>The service is running on this computer. Keep it running in the tray when the window closes, or stop it and quit?</source>
        <translation>Der Dienst läuft auf diesem Computer. Soll er beim Schließen des Fensters im Infobereich weiterlaufen, oder soll er gestoppt und Sluice beendet werden?</translation>
    </message>
    <message>
        <source>Sluice remembers the answer. Quit from the File or tray menu stops the service whatever the answer.</source>
        <translation>Sluice merkt sich die Antwort. Beenden im Menü Datei oder im Menü des Infobereichs stoppt den Dienst unabhängig von der Antwort.</translation>
    </message>
    <message>
        <source>Keep running</source>
        <translation>Weiterlaufen lassen</translation>
    </message>
    <message>
        <source>Stop and quit</source>
        <translation>Stoppen und beenden</translation>
    </message>
    <message>
        <source>Sluice is still running</source>
        <translation>Sluice läuft weiter</translation>
    </message>
    <message>
        <source>The service keeps answering. Open the window or quit from this icon.</source>
        <translation>Der Dienst antwortet weiterhin. Öffnen Sie das Fenster oder beenden Sie Sluice über dieses Symbol.</translation>
    </message>
    <message>
        <source>&amp;Appearance</source>
        <translation>&amp;Darstellung</translation>
    </message>
    <message>
        <source>&amp;System</source>
        <translation>&amp;System</translation>
    </message>
    <message>
        <source>The desktop&apos;s style and colours</source>
        <translation>Stil und Farben des Desktops</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>&amp;Hell</translation>
    </message>
    <message>
        <source>Light colours, whatever the desktop&apos;s</source>
        <translation>Helle Farben, unabhängig vom Desktop</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>&amp;Dunkel</translation>
    </message>
    <message>
        <source>Dark colours, whatever the desktop&apos;s</source>
        <translation>Dunkle Farben, unabhängig vom Desktop</translation>
    </message>
    <message>
        <source>Open data folder</source>
        <translation>Datenordner öffnen</translation>
    </message>
    <message>
        <source>Copy address</source>
        <translation>Adresse kopieren</translation>
    </message>
    <message>
        <source>Show access token</source>
        <translation>Zugriffstoken anzeigen</translation>
    </message>
    <message>
        <source>Hide access token</source>
        <translation>Zugriffstoken verbergen</translation>
    </message>
    <message>
        <source>Copy access token</source>
        <translation>Zugriffstoken kopieren</translation>
    </message>
</context>
<context>
    <name>sluice::ui::NewExportDialog</name>
    <message>
        <source>New export</source>
        <translation>Neuer Export</translation>
    </message>
    <message>
        <source>Loading datasets…</source>
        <translation>Lade Datenbestände…</translation>
    </message>
    <message>
        <source>The first UTC day exported</source>
        <translation>Der erste exportierte Tag (UTC)</translation>
    </message>
    <message>
        <source>The last UTC day exported (included)</source>
        <translation>Der letzte exportierte Tag (UTC, einschließlich)</translation>
    </message>
    <message>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message>
        <source>CSV, gzip-compressed (.csv.gz)</source>
        <translation>CSV, gzip-komprimiert (.csv.gz)</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>Keine Grenze</translation>
    </message>
    <message>
        <source>At most this many rows, the earliest first</source>
        <translation>Höchstens so viele Zeilen, die frühesten zuerst</translation>
    </message>
    <message>
        <source>&amp;Dataset:</source>
        <translation>&amp;Datenbestand:</translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <translation>&amp;Von:</translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <translation>&amp;Bis:</translation>
    </message>
    <message>
        <source>Filters:</source>
        <translation>Filter:</translation>
    </message>
    <message>
        <source>F&amp;ormat:</source>
        <translation>&amp;Format:</translation>
    </message>
    <message>
        <source>Row &amp;limit:</source>
        <translation>Zeilen&amp;grenze:</translation>
    </message>
    <message>
        <source>Estimate:</source>
        <translation>Schätzung:</translation>
    </message>
    <message>
        <source>&amp;Submit</source>
        <translation>&amp;Absenden</translation>
    </message>
    <message>
        <source>No datasets</source>
        <translation>Keine Datenbestände</translation>
    </message>
    <message>
        <source>The service has no datasets to export.</source>
        <translation>Der Dienst hat keine Datenbestände zum Exportieren.</translation>
    </message>
    <message>
        <source>The datasets could not be read: %1</source>
        <translation>Die Datenbestände konnten nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>%1 (not ready: %2)</source>
        <translation>%1 (nicht bereit: %2)</translation>
    </message>
    <message>
        <source>No dataset is ready yet: %1</source>
        <translation>Noch kein Datenbestand ist bereit: %1</translation>
    </message>
    <message>
        <source>Has rows from %1 to %2</source>
        <translation>Enthält Zeilen vom %1 bis %2</translation>
    </message>
    <message>
        <source>The days it has rows for are not known</source>
        <translation>Die Tage, für die er Zeilen enthält, sind nicht bekannt</translation>
    </message>
    <message>
        <source>any</source>
        <translation>beliebig</translation>
    </message>
    <message>
        <source>Only rows whose %1 is exactly this</source>
        <translation>Nur Zeilen, deren %1 genau diesen Wert hat</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>Estimating…</source>
        <translation>Schätze…</translation>
    </message>
    <message>
        <source>No estimate now (%1). The export can still be submitted.</source>
        <translation>Zurzeit keine Schätzung (%1). Der Export kann trotzdem abgesendet werden.</translation>
    </message>
    <message>
        <source>At least %L1 rows</source>
        <translation>Mindestens %L1 Zeilen</translation>
    </message>
    <message>
        <source>About %L1 rows</source>
        <translation>Etwa %L1 Zeilen</translation>
    </message>
    <message>
        <source>Submitting…</source>
        <translation>Sende…</translation>
    </message>
</context>
<context>
    <name>sluice::ui::ResumableUploadsModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>%1, length deferred</source>
        <translation>%1, Länge noch offen</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>abgelaufen</translation>
    </message>
    <message>
        <source>in %1</source>
        <translation>in %1</translation>
    </message>
    <message>
        <source>Upload %1</source>
        <translation>Upload %1</translation>
    </message>
    <message>
        <source>%1 of %2 bytes</source>
        <translation>%1 von %2 Byte</translation>
    </message>
    <message>
        <source>%1 bytes; the client has not said yet how many will come</source>
        <translation>%1 Byte; der Client hat noch nicht gesagt, wie viele kommen</translation>
    </message>
</context>
<context>
    <name>sluice::ui::ResumableUploadsPane</name>
    <message>
        <source>Delete the selected unfinished uploads: the bytes received so far go, and their clients cannot resume them (Del)</source>
        <translation>Die ausgewählten unfertigen Uploads löschen: Die bisher empfangenen Bytes werden entfernt, und ihre Clients können sie nicht fortsetzen (Entf)</translation>
    </message>
    <message>
        <source>Unfinished resumable uploads</source>
        <translation>Unfertige fortsetzbare Uploads</translation>
    </message>
    <message>
        <source>No unfinished resumable uploads.</source>
        <translation>Keine unfertigen fortsetzbaren Uploads.</translation>
    </message>
    <message>
        <source>Unfinished resumable uploads (%1)</source>
        <translation>Unfertige fortsetzbare Uploads (%1)</translation>
    </message>
    <message>
        <source>Delete unfinished uploads</source>
        <translation>Unfertige Uploads löschen</translation>
    </message>
    <message>
        <source>Delete the unfinished upload %1 (%2)? The bytes received so far go, and its client cannot resume it; this cannot be undone.</source>
        <translation>Den unfertigen Upload %1 (%2) löschen? Die bisher empfangenen Bytes werden entfernt, und sein Client kann ihn nicht fortsetzen; das kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n unfinished upload(s)? The bytes received so far go, and their clients cannot resume them; this cannot be undone.</source>
        <translation>
            <numerusform>%n unfertigen Upload löschen? Die bisher empfangenen Bytes werden entfernt, und sein Client kann ihn nicht fortsetzen; das kann nicht rückgängig gemacht werden.</numerusform>
            <numerusform>%n unfertige Uploads löschen? Die bisher empfangenen Bytes werden entfernt, und ihre Clients können sie nicht fortsetzen; das kann nicht rückgängig gemacht werden.</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message numerus="yes">
        <source>Deleting %n unfinished upload(s)…</source>
        <translation>
            <numerusform>Lösche %n unfertigen Upload…</numerusform>
            <numerusform>Lösche %n unfertige Uploads…</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not delete %1: %2</source>
        <translation>%1 konnte nicht gelöscht werden: %2</translation>
    </message>
    <message>
        <source>Delete unf&amp;inished</source>
        <translation>Unfert&amp;ige löschen</translation>
    </message>
</context>
<context>
    <name>sluice::ui::SummaryTile</name>
    <message>
        <source>⛔ %1: critical</source>
        <translation>⛔ %1: kritisch</translation>
    </message>
    <message>
        <source>⚠ %1: warning</source>
        <translation>⚠ %1: Warnung</translation>
    </message>
</context>
<context>
    <name>sluice::ui::TimeSeriesChart</name>
    <message>
        <source>Collecting…</source>
        <translation>Sammle Daten…</translation>
    </message>
    <message>
        <source>%1 at %2: %3</source>
        <extracomment>A chart&apos;s tooltip: series name, time of day, value.</extracomment>
        <translation>%1 um %2: %3</translation>
    </message>
    <message>
        <source>Chart: %1</source>
        <translation>Diagramm: %1</translation>
    </message>
</context>
<context>
    <name>sluice::ui::TransfersModel</name>
    <message>
        <source>Client</source>
        <translation>Client</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>Anfrage</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Phase</source>
        <translation>Phase</translation>
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
        <source>Rate</source>
        <translation>Rate</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Pauses (read/write)</source>
        <translation>Pausen (Lesen/Schreiben)</translation>
    </message>
    <message>
        <source>Route %1, request #%2 on connection %3</source>
        <translation>Route %1, Anfrage Nr. %2 auf Verbindung %3</translation>
    </message>
    <message>
        <source>Close this connection; what it wrote so far is cleaned up</source>
        <translation>Diese Verbindung schließen; was sie bisher geschrieben hat, wird aufgeräumt</translation>
    </message>
    <message>
        <source>Abort</source>
        <translation>Abbrechen</translation>
    </message>
</context>
<context>
    <name>sluice::ui::TransfersPage</name>
    <message>
        <source>&amp;Abort</source>
        <translation>&amp;Abbrechen</translation>
    </message>
    <message>
        <source>Close the selected connections (Del)</source>
        <translation>Die ausgewählten Verbindungen schließen (Entf)</translation>
    </message>
    <message>
        <source>No requests in flight.</source>
        <translation>Keine Anfragen in Bearbeitung.</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s) in flight.</source>
        <translation>
            <numerusform>%n Anfrage in Bearbeitung.</numerusform>
            <numerusform>%n Anfragen in Bearbeitung.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 %2 from %3</source>
        <translation>%1 %2 von %3</translation>
    </message>
    <message numerus="yes">
        <source>%n requests</source>
        <translation>
            <numerusform>%n Anfrage</numerusform>
            <numerusform>%n Anfragen</numerusform>
        </translation>
    </message>
    <message>
        <source>Abort transfers</source>
        <translation>Übertragungen abbrechen</translation>
    </message>
    <message>
        <source>Abort %1? Its connection is closed; what it sent or received so far is cleaned up and cannot be resumed.</source>
        <translation>%1 abbrechen? Die Verbindung wird geschlossen; was bisher gesendet oder empfangen wurde, wird aufgeräumt und kann nicht fortgesetzt werden.</translation>
    </message>
    <message>
        <source>Requests in flight</source>
        <translation>Anfragen in Bearbeitung</translation>
    </message>
</context>
<context>
    <name>sluice::ui::UploadsModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation>SHA-256</translation>
    </message>
    <message>
        <source>Processing</source>
        <translation>Verarbeitung</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>ausstehend</translation>
    </message>
    <message>
        <source>not queued: %1</source>
        <translation>nicht eingereiht: %1</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>done, %1 rows × %2 columns</source>
        <translation>fertig, %1 Zeilen × %2 Spalten</translation>
    </message>
    <message>
        <source>done, %1 × %2</source>
        <translation>fertig, %1 × %2</translation>
    </message>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 Byte</translation>
    </message>
</context>
<context>
    <name>sluice::ui::UploadsPage</name>
    <message>
        <source>pending</source>
        <translation>ausstehend</translation>
    </message>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>not queued</source>
        <translation>nicht eingereiht</translation>
    </message>
    <message>
        <source>All accounts</source>
        <translation>Alle Konten</translation>
    </message>
    <message>
        <source>Any processing</source>
        <translation>Jede Verarbeitung</translation>
    </message>
    <message>
        <source>Search name, checksum, id…</source>
        <translation>Name, Prüfsumme, ID suchen…</translation>
    </message>
    <message>
        <source>&amp;Save as…</source>
        <translation>&amp;Speichern unter…</translation>
    </message>
    <message>
        <source>Save a copy of the selected upload&apos;s file (Ctrl+S)</source>
        <translation>Eine Kopie der Datei des ausgewählten Uploads speichern (Strg+S)</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>Delete the selected uploads: record, file and thumbnail (Del)</source>
        <translation>Die ausgewählten Uploads löschen: Eintrag, Datei und Vorschaubild (Entf)</translation>
    </message>
    <message>
        <source>Show in &amp;folder</source>
        <translation>Im &amp;Ordner zeigen</translation>
    </message>
    <message>
        <source>Open the folder that holds the stored file (Ctrl+Shift+O)</source>
        <translation>Den Ordner mit der gespeicherten Datei öffnen (Strg+Umschalt+O)</translation>
    </message>
    <message>
        <source>Copy SHA-&amp;256</source>
        <translation>SHA-&amp;256 kopieren</translation>
    </message>
    <message>
        <source>Copy the selected upload&apos;s full SHA-256 checksum (Ctrl+Shift+C)</source>
        <translation>Die vollständige SHA-256-Prüfsumme des ausgewählten Uploads kopieren (Strg+Umschalt+C)</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Filter zurücksetzen</translation>
    </message>
    <message>
        <source>Show every upload again</source>
        <translation>Wieder alle Uploads anzeigen</translation>
    </message>
    <message>
        <source>Saved %1 to %2.</source>
        <translation>%1 unter %2 gespeichert.</translation>
    </message>
    <message>
        <source>Could not save %1: %2</source>
        <translation>%1 konnte nicht gespeichert werden: %2</translation>
    </message>
    <message>
        <source>Filtered: %1 match, showing %2 of %3 uploads</source>
        <translation>Gefiltert: %1 Treffer, %2 von %3 Uploads angezeigt</translation>
    </message>
    <message>
        <source>Showing %1 of %2 uploads</source>
        <translation>%1 von %2 Uploads angezeigt</translation>
    </message>
    <message>
        <source>Select an upload to see its fields and processing.</source>
        <translation>Wählen Sie einen Upload aus, um seine Felder und seine Verarbeitung zu sehen.</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>%1 (%2 bytes)</source>
        <translation>%1 (%2 Byte)</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation>SHA-256</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Processing</source>
        <translation>Verarbeitung</translation>
    </message>
    <message>
        <source>Processing job</source>
        <translation>Verarbeitungsauftrag</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>Befunde</translation>
    </message>
    <message>
        <source>Save upload</source>
        <translation>Upload speichern</translation>
    </message>
    <message>
        <source>Saving %1…</source>
        <translation>Speichere %1…</translation>
    </message>
    <message>
        <source>Delete uploads</source>
        <translation>Uploads löschen</translation>
    </message>
    <message>
        <source>Delete %1 (%2)? Its record, stored file and thumbnail go; this cannot be undone.</source>
        <translation>%1 (%2) löschen? Eintrag, gespeicherte Datei und Vorschaubild werden entfernt; das kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n upload(s)? Their records, stored files and thumbnails go; this cannot be undone.</source>
        <translation>
            <numerusform>%n Upload löschen? Eintrag, gespeicherte Datei und Vorschaubild werden entfernt; das kann nicht rückgängig gemacht werden.</numerusform>
            <numerusform>%n Uploads löschen? Ihre Einträge, gespeicherten Dateien und Vorschaubilder werden entfernt; das kann nicht rückgängig gemacht werden.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Deleting %n upload(s)…</source>
        <translation>
            <numerusform>Lösche %n Upload…</numerusform>
            <numerusform>Lösche %n Uploads…</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not open %1</source>
        <translation>%1 konnte nicht geöffnet werden</translation>
    </message>
    <message>
        <source>SHA-256 of %1 copied to the clipboard.</source>
        <translation>SHA-256 von %1 in die Zwischenablage kopiert.</translation>
    </message>
    <message>
        <source>Uploads</source>
        <translation>Uploads</translation>
    </message>
    <message>
        <source>Search uploads</source>
        <translation>Uploads durchsuchen</translation>
    </message>
    <message>
        <source>Thumbnail</source>
        <translation>Vorschaubild</translation>
    </message>
    <message>
        <source>Upload details</source>
        <translation>Upload-Details</translation>
    </message>
</context>
</TS>
