#!/usr/bin/env bash
# Sauvegarde tous les flux de Guichet (dépôts, événements, journal de
# sécurité, compartiments clé-valeur, documents) avec le CLI nats, sans
# arrêter Guichet, puis vérifie que chaque flux sauvegardé est complet et
# restaurable.
#
# Utilisation : backup.sh DOSSIER
#
# Le Guichet doit ouvrir son NATS embarqué au CLI (GUICHET_NATS_LISTEN, par
# exemple 127.0.0.1:4222). Pour un cluster, NATS_URL et NATS_CREDS désignent
# le cluster et les identifiants (voir docs/operations.md).
set -euo pipefail

target=${1:-}
if [ -z "$target" ] || [ "$target" = "-h" ] || [ "$target" = "--help" ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  [ -n "$target" ] && exit 0 || exit 2
fi
if [ -e "$target" ] && [ -n "$(ls -A "$target")" ]; then
  echo "backup.sh : $target existe et n'est pas vide ; choisissez un dossier neuf" >&2
  exit 2
fi
export NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}

echo "Sauvegarde de $NATS_URL dans $target"
nats backup account --force --consumers "$target"
streams=0
for dir in "$target"/*/; do
  nats backup validate --no-progress "$dir" >/dev/null
  streams=$((streams + 1))
done
echo "Sauvegarde vérifiée : $streams flux, $(du -sh "$target" | cut -f1)"
