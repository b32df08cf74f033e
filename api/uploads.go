package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	exslog "golang.org/x/exp/slog"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

// UploadsPath is where files are uploaded on their own, with the tus
// resumable upload protocol (https://tus.io/protocols/resumable-upload):
// created there, then sent to UploadsPath/<id>.
const UploadsPath = "/api/uploads"

// UploadRefHeader is the header of the answer to the last chunk of an
// upload: what the data then holds in the file field's place.
const UploadRefHeader = "Guichet-Upload"

// uploadsHandler serves the tus protocol with tusd: the chunks of an
// upload go to a folder of the node that receives them, which resumes an
// upload cut short from where it stopped; once whole, the file is
// received (its type read, scanned by ClamAV, stored) and the folder's
// copy deleted.
type uploadsHandler struct {
	intake *submit.Intake
	files  *uploads.Service
	store  filestore.FileStore
	tus    http.Handler
	log    *slog.Logger
	dir    string
	// abandoned is how long an upload in progress is kept after its last
	// chunk; the folder is swept of older ones at most once an hour.
	abandoned time.Duration
	lastSweep atomic.Int64
}

// UploadsConfig is where uploads in progress are kept, and for how long.
type UploadsConfig struct {
	// Dir holds the uploads in progress (guichet-uploads in the system's
	// temporary folder by default).
	Dir string
	// Abandoned is how long an upload in progress is kept after its last
	// chunk (uploads.DefaultGrace by default).
	Abandoned time.Duration
}

func newUploadsHandler(s Services) (*uploadsHandler, error) {
	dir := s.UploadsInProgress.Dir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "guichet-uploads")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	h := &uploadsHandler{intake: s.Intake, files: s.Uploads, store: filestore.New(dir), log: cmp.Or(s.Log, slog.New(slog.DiscardHandler)),
		dir: dir, abandoned: cmp.Or(s.UploadsInProgress.Abandoned, uploads.DefaultGrace)}
	composer := handler.NewStoreComposer()
	h.store.UseIn(composer)
	filelocker.New(dir).UseIn(composer)
	tus, err := handler.NewHandler(handler.Config{
		BasePath:                  UploadsPath + "/",
		StoreComposer:             composer,
		MaxSize:                   schemas.MaxUploadSize,
		DisableDownload:           true,
		DisableConcatenation:      true,
		Cors:                      &handler.CorsConfig{Disable: true},
		Logger:                    exslog.New(exslog.NewTextHandler(io.Discard, nil)), // requests are logged once, by the API's middleware
		PreUploadCreateCallback:   h.create,
		PreFinishResponseCallback: h.finish,
	})
	if err != nil {
		return nil, err
	}
	h.tus = http.StripPrefix(UploadsPath, tus)
	return h, nil
}

// ServeHTTP serves tus, for the form's audience: a session must send its
// CSRF token in the X-CSRF-Token header on every change.
func (h *uploadsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r.Context())
	if req.Session != nil && r.Method != http.MethodHead && r.Method != http.MethodOptions &&
		!req.Session.CSRFMatches(r.Header.Get(csrfHeader)) {
		writeJSONProblem(w, problem(req.Lang, http.StatusForbidden, msgCSRF))
		return
	}
	h.tus.ServeHTTP(w, r)
}

// create admits an upload for a form's file field, named by the
// Upload-Metadata "form" and "field", with its length known and within
// the field's size.
func (h *uploadsHandler) create(hook handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	ctx := hook.Context
	h.sweepAbandoned(time.Now())
	if err := h.intake.AllowUpload(requestOf(ctx).Client); err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusError(ctx, err)
	}
	rule, err := h.rule(ctx, hook.Upload)
	if err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, err
	}
	lang := requestOf(ctx).Lang
	switch {
	case hook.Upload.SizeIsDeferred:
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, refusal(lang, http.StatusBadRequest, locale.Text{
			FR: "Donnez la taille du fichier (Upload-Length) dès la création.",
			EN: "Give the file's size (Upload-Length) when creating the upload.",
		})
	case hook.Upload.Size > rule.MaxSize:
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, refusal(lang, http.StatusRequestEntityTooLarge, locale.Text{
			FR: "Le fichier dépasse " + schemas.SizeText(rule.MaxSize).FR + ", la taille que ce champ accepte.",
			EN: "The file is larger than " + schemas.SizeText(rule.MaxSize).EN + ", the size this field takes.",
		})
	}
	return handler.HTTPResponse{}, handler.FileInfoChanges{}, nil
}

// finish receives the whole file, and deletes the copy of the uploads in
// progress whatever becomes of it.
func (h *uploadsHandler) finish(hook handler.HookEvent) (handler.HTTPResponse, error) {
	ctx := hook.Context
	defer h.discard(ctx, hook.Upload.ID)
	rule, err := h.rule(ctx, hook.Upload)
	if err != nil {
		return handler.HTTPResponse{}, err
	}
	content, err := os.Open(hook.Upload.Storage["Path"])
	if err != nil {
		return handler.HTTPResponse{}, err
	}
	defer content.Close()
	f, err := h.files.Receive(ctx, hook.Upload.ID, hook.Upload.MetaData["filename"], rule, content)
	if err != nil {
		return handler.HTTPResponse{}, tusError(ctx, err)
	}
	return handler.HTTPResponse{Header: handler.HTTPHeader{UploadRefHeader: submit.UploadRef(f.ID)}}, nil
}

// rule is the rule of the field the upload's metadata names.
func (h *uploadsHandler) rule(ctx context.Context, info handler.FileInfo) (schemas.FileRule, error) {
	req := requestOf(ctx)
	rule, err := h.intake.FileRule(ctx, req.Principal, info.MetaData["form"], info.MetaData["field"])
	if err != nil {
		return rule, tusError(ctx, err)
	}
	return rule, nil
}

// discard deletes an upload's copy in progress.
func (h *uploadsHandler) discard(ctx context.Context, id string) {
	upload, err := h.store.GetUpload(ctx, id)
	if err == nil {
		err = h.store.AsTerminatableUpload(upload).Terminate(ctx)
	}
	if err != nil {
		h.log.Warn("upload in progress not deleted", "upload", id, "error", err)
	}
}

// sweepAbandoned deletes the uploads in progress untouched for longer
// than h.abandoned: their data, description and lock files.
func (h *uploadsHandler) sweepAbandoned(now time.Time) {
	last := h.lastSweep.Load()
	if now.Sub(time.Unix(0, last)) < time.Hour || !h.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	entries, err := os.ReadDir(h.dir)
	if err != nil {
		h.log.Warn("uploads in progress not swept", "error", err)
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && now.Sub(info.ModTime()) > h.abandoned {
			_ = os.Remove(filepath.Join(h.dir, e.Name()))
		}
	}
}

// tusError answers err as the API's problem, in the request's language.
func tusError(ctx context.Context, err error) error {
	var model *huma.ErrorModel
	if !errors.As(toProblem(ctx, err), &model) {
		return err
	}
	return problemError(model)
}

func refusal(lang locale.Lang, status int, text locale.Text) error {
	return problemError(problem(lang, status, text))
}

func problemError(p *huma.ErrorModel) error {
	body, _ := json.Marshal(p)
	return handler.Error{ErrorCode: "ERR_REFUSED", Message: p.Detail, HTTPResponse: handler.HTTPResponse{
		StatusCode: p.Status, Body: string(body), Header: handler.HTTPHeader{"Content-Type": "application/problem+json"},
	}}
}

// document describes the tus operations in the OpenAPI document; tusd
// serves them, outside Huma.
func (h *uploadsHandler) document(api huma.API) {
	tags := []string{"Uploads"}
	header := func(name, doc string) *huma.Param {
		return &huma.Param{Name: name, In: "header", Required: true, Description: doc, Schema: &huma.Schema{Type: "string"}}
	}
	id := &huma.Param{Name: "id", In: "path", Required: true, Schema: &huma.Schema{Type: "string"}}
	tusVersion := header("Tus-Resumable", "1.0.0")
	add := func(op huma.Operation) {
		op = operation(identity.Anyone, op)
		api.OpenAPI().AddOperation(&op)
	}
	add(huma.Operation{
		OperationID: "create-upload", Method: http.MethodPost, Path: UploadsPath, Tags: tags,
		Summary: "Commencer l'envoi d'un fichier, en morceaux (tus)",
		Description: "Protocole tus 1.0 (resumable upload) : un fichier s'envoie seul, avant le dépôt, en " +
			"morceaux qui reprennent là où une coupure les a laissés. Upload-Metadata nomme le formulaire (form), le champ de fichier " +
			"(field, par exemple justificatif ou enfants.0.certificat) et le nom du fichier (filename), en base64 ; Upload-Length " +
			"donne sa taille, dans la limite du champ. La réponse 201 donne dans Location l'adresse où envoyer les morceaux. " +
			"Les mêmes règles que le dépôt s'appliquent : formulaire ouvert, agents seulement pour un formulaire interne, limite par " +
			"adresse. L'autre façon, pour les petits fichiers : une data URL dans les données du dépôt.",
		Parameters: []*huma.Param{tusVersion, header("Upload-Length", "Taille du fichier, en octets"),
			header("Upload-Metadata", "form, field et filename, chacun suivi de sa valeur en base64, séparés par des virgules")},
		Responses: map[string]*huma.Response{
			"201": {Description: "Envoi créé ; Location donne son adresse"},
			"413": {Description: "Fichier plus grand que ce que le champ accepte"},
			"422": {Description: "Formulaire fermé ou inconnu, ou pas de tel champ de fichier"},
		},
	})
	add(huma.Operation{
		OperationID: "resume-upload", Method: http.MethodHead, Path: UploadsPath + "/{id}", Tags: tags,
		Summary:     "Où en est un envoi",
		Description: "Upload-Offset dit combien d'octets sont reçus : l'envoi reprend à partir de là, après une coupure.",
		Parameters:  []*huma.Param{id, tusVersion},
		Responses:   map[string]*huma.Response{"200": {Description: "Upload-Offset et Upload-Length"}, "404": {Description: "Envoi inconnu"}},
	})
	add(huma.Operation{
		OperationID: "send-upload-chunk", Method: http.MethodPatch, Path: UploadsPath + "/{id}", Tags: tags,
		Summary: "Envoyer un morceau d'un fichier",
		Description: "Corps application/offset+octet-stream, à partir de Upload-Offset. Au dernier morceau, le fichier est vérifié " +
			"(son type, lu dans son contenu), analysé par ClamAV et conservé ; l'en-tête " + UploadRefHeader + " de la réponse " +
			"donne ce que les données du dépôt portent à la place du fichier : upload:<id>. Un fichier infecté, ou d'un type que le " +
			"champ n'accepte pas, est refusé (422, avec la raison en français ou en anglais) et n'est pas conservé.",
		Parameters: []*huma.Param{id, tusVersion, header("Upload-Offset", "Position du morceau, en octets"),
			header("Content-Type", "application/offset+octet-stream")},
		Responses: map[string]*huma.Response{
			"204": {Description: "Morceau reçu ; au dernier, le fichier est conservé"},
			"409": {Description: "Upload-Offset ne correspond pas à ce qui est reçu"},
			"422": {Description: "Fichier refusé : virus, type ou taille"},
		},
	})
	add(huma.Operation{
		OperationID: "cancel-upload", Method: http.MethodDelete, Path: UploadsPath + "/{id}", Tags: tags,
		Summary:    "Abandonner un envoi en cours",
		Parameters: []*huma.Param{id, tusVersion},
		Responses:  map[string]*huma.Response{"204": {Description: "Envoi abandonné"}, "404": {Description: "Envoi inconnu"}},
	})
}
