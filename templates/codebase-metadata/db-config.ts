// Which shared database this branch uses (databases/<id>/ in the workspace). Databases are
// shared by every branch; the branch's copy of their schema lives in schema/.
export default {
  database: 'db-001',
} as const;
