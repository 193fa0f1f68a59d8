// A modal dialog: Radix traps focus inside it, Esc and a click outside close it, and focus goes
// back where it was. Every dialog of the window is this one, styled once.
import * as RadixDialog from '@radix-ui/react-dialog';
import { X } from 'lucide-react';
import type { ReactNode } from 'react';

export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  testId,
  className,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: string;
  children: ReactNode;
  testId?: string;
  className?: string;
}) {
  return (
    <RadixDialog.Root open={open} onOpenChange={(next) => !next && onClose()}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="dialog-overlay" />
        <RadixDialog.Content className={`dialog${className ? ` ${className}` : ''}`} data-testid={testId}>
          <header className="dialog-header">
            <RadixDialog.Title className="dialog-title">{title}</RadixDialog.Title>
            <RadixDialog.Close className="icon-button" aria-label="Close" title="Close (Esc)">
              <X size={16} aria-hidden />
            </RadixDialog.Close>
          </header>
          <RadixDialog.Description className={description ? 'muted dialog-description' : 'visually-hidden'}>
            {description ?? title}
          </RadixDialog.Description>
          {children}
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}
