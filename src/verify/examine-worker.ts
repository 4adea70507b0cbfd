import { serveExamineJobs } from './examine-pool.js';

// Entry of an ExaminePool thread (the bundled CLI runs serveExamineJobs from its own bundle).
serveExamineJobs();
