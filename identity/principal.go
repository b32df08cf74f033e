package identity

import "slices"

// Principal is who makes a request. The zero Principal is anonymous.
type Principal struct {
	AccountID   string
	Role        Role
	Departments []string
}

// Anonymous reports whether nobody is signed in.
func (p Principal) Anonymous() bool { return p.AccountID == "" }

// IsAdmin reports whether p is an admin.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// IsAgent reports whether p is signed in as an agent, a manager or an admin.
func (p Principal) IsAgent() bool { return slices.Contains(Roles, p.Role) }

// IsManager reports whether p is a manager or an admin.
func (p Principal) IsManager() bool { return p.Role == RoleManager || p.Role == RoleAdmin }

// ServesDepartment reports whether p may see what was routed to department:
// an admin may, and so may an agent or manager who belongs to it.
func (p Principal) ServesDepartment(department string) bool {
	return p.IsAdmin() || (p.IsAgent() && department != "" && slices.Contains(p.Departments, department))
}

// Access is the rule an operation declares about who may call it.
type Access string

// The access rules. Rules that depend on the resource (a department's agents,
// a receipt's holder) are declared as such and checked by the operation
// against the resource it loads.
const (
	// Anyone may call the operation, signed in or not.
	Anyone Access = "anyone"
	// AnyAgent needs an agent, a manager or an admin.
	AnyAgent Access = "agent"
	// ManagerOnly needs a manager or an admin.
	ManagerOnly Access = "manager"
	// AdminOnly needs an admin.
	AdminOnly Access = "admin"
	// DepartmentAgent needs an agent of the resource's department, or an admin.
	DepartmentAgent Access = "department-agent"
	// ReceiptHolder needs the resource's receipt token, or an agent of its
	// department, or an admin.
	ReceiptHolder Access = "receipt-holder"
	// Applicant needs the resource's receipt token (or a link's), or the
	// agent who filed the request: the person who made it, and nobody
	// else, speaks for it.
	Applicant Access = "applicant"
	// DossierAgent needs an agent of the department the dossier was routed
	// to, or an admin.
	DossierAgent Access = "dossier-agent"
	// Approver needs an approver of the request's current step (its
	// requester's manager or their delegate, a manager further up, or an
	// agent of the step's department), or an admin; never the requester.
	Approver Access = "approver"
	// Requester needs the agent who filed the request.
	Requester Access = "requester"
)

// Allows reports whether p passes the part of the rule that does not depend
// on a resource: DepartmentAgent and DossierAgent need an agent here,
// ReceiptHolder and Applicant let anyone through, and the operation then
// checks the resource it loads.
func (a Access) Allows(p Principal) bool {
	switch a {
	case Anyone, ReceiptHolder, Applicant:
		return true
	case AnyAgent, DepartmentAgent, DossierAgent, Approver, Requester:
		return p.IsAgent()
	case ManagerOnly:
		return p.IsManager()
	case AdminOnly:
		return p.IsAdmin()
	default:
		return false
	}
}
