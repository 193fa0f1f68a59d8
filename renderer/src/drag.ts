// Dragging a branch (from the tree) onto a gateway promotes it: what the drag carries.
export const BRANCH_DRAG_TYPE = 'application/x-branchyard-branch';
