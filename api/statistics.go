package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
)

// statisticsHandler serves the figures of the forms: counts per month,
// online and on paper, and decision times. They hold no personal data.
type statisticsHandler struct {
	statistics *backoffice.Statistics
}

func (h *statisticsHandler) register(api huma.API) {
	tags := []string{"Statistics"}
	huma.Register(api, operation(identity.AnyAgent, huma.Operation{
		OperationID: "get-statistics", Method: http.MethodGet, Path: "/api/statistics",
		Summary: "Statistiques des formulaires", Tags: tags,
		Description: "Par formulaire et par mois : dépôts en ligne, formulaires papier saisis, part en ligne ; délais médian et moyen de la " +
			"réception à la première décision.",
	}), h.get)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "put-paper-count", Method: http.MethodPut, Path: "/api/forms/{id}/paper/{month}",
		Summary: "Saisir le nombre de formulaires papier d'un mois", Tags: tags, DefaultStatus: http.StatusNoContent,
	}), h.putPaper)
}

type statisticsInput struct {
	Months int `query:"months" minimum:"1" maximum:"60" default:"12" doc:"Nombre de mois, jusqu'au mois en cours"`
}

// FormStatsBody are one form's figures.
type FormStatsBody struct {
	Form        string                  `json:"form"`
	Months      []backoffice.MonthCount `json:"months"`
	Online      int                     `json:"online"`
	Paper       int                     `json:"paper"`
	OnlineShare *float64                `json:"onlineShare,omitempty" doc:"Part en ligne, en pour cent, quand des formulaires papier sont saisis"`
	Decided     int                     `json:"decided"`
	MedianDays  float64                 `json:"medianDays"`
	MeanDays    float64                 `json:"meanDays"`
}

type statisticsOutput struct {
	Body struct {
		Months []string                `json:"months"`
		Totals []backoffice.MonthCount `json:"totals"`
		Forms  []FormStatsBody         `json:"forms"`
	}
}

func (h *statisticsHandler) get(ctx context.Context, in *statisticsInput) (*statisticsOutput, error) {
	report, err := h.statistics.Compute(ctx, in.Months)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &statisticsOutput{}
	out.Body.Months, out.Body.Totals, out.Body.Forms = report.Months, report.Totals, []FormStatsBody{}
	for _, f := range report.Forms {
		body := FormStatsBody{
			Form:       f.Form,
			Months:     f.Months,
			Online:     f.Online,
			Paper:      f.Paper,
			Decided:    f.Decided,
			MedianDays: f.MedianDays,
			MeanDays:   f.MeanDays,
		}
		if share := f.OnlineShare(); share >= 0 {
			body.OnlineShare = &share
		}
		out.Body.Forms = append(out.Body.Forms, body)
	}
	return out, nil
}

type paperInput struct {
	ID    string `path:"id" maxLength:"64"`
	Month string `path:"month" pattern:"^[0-9]{4}-(0[1-9]|1[0-2])$" example:"2026-03"`
	Body  struct {
		Count int `json:"count" minimum:"0" maximum:"1000000"`
	}
}

func (h *statisticsHandler) putPaper(ctx context.Context, in *paperInput) (*struct{}, error) {
	if err := h.statistics.SetPaper(ctx, in.ID, in.Month, in.Body.Count); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}
