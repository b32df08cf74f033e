#!/usr/bin/env bash
# Restaure une sauvegarde faite par backup.sh dans un dossier de données
# vide, Guichet arrêté. Démarrez ensuite Guichet sur ce dossier.
#
# Utilisation : restore.sh SAUVEGARDE DOSSIER_DE_DONNÉES
#
# Le NATS embarqué est démarré seul sur le dossier (guichet nats) le temps
# de la restauration. GUICHET_BIN désigne le binaire (guichet par défaut),
# RESTORE_LISTEN l'adresse de ce serveur (127.0.0.1:4299 par défaut).
# Pour un cluster, utilisez directement : nats backup restore account SAUVEGARDE
set -euo pipefail

backup=${1:-}
data=${2:-}
if [ -z "$backup" ] || [ -z "$data" ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
if [ ! -d "$backup" ]; then
  echo "restore.sh : la sauvegarde $backup n'existe pas" >&2
  exit 2
fi
if [ -d "$data/jetstream" ]; then
  echo "restore.sh : $data contient déjà des données ; déplacez-les ou choisissez un dossier vide" >&2
  exit 2
fi
guichet=${GUICHET_BIN:-guichet}
listen=${RESTORE_LISTEN:-127.0.0.1:4299}
export NATS_URL="nats://$listen"

"$guichet" nats -data-dir "$data" -listen "$listen" >/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  nats account info >/dev/null 2>&1 && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "restore.sh : le serveur NATS n'a pas démarré sur $data" >&2
    exit 1
  fi
  sleep 0.2
done

echo "Restauration de $backup dans $data"
nats backup restore account "$backup"
echo "Restauré : $(nats stream ls --names | wc -l) flux. Démarrez Guichet sur $data."
